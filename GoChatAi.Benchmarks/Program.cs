using GoChatAi.Benchmarks;

// Measures the stack that `dotnet run --project GoChatAi.AppHost` brings up (start it first).
// Usage: dotnet run -c Release --project GoChatAi.Benchmarks [-- --seconds 10 --concurrency 16]
var settings = BenchmarkSettings.Parse(args);
var results = await AuthBenchmarks.RunAsync(settings);
ResultTable.Print(results, settings);
