using GoChatAi.Benchmarks;

// Measures the stack that `dotnet run --project GoChatAi.AppHost` brings up (start it first; the chat figures
// need it started with a raised per-user request limit: see --help).
// Usage: dotnet run -c Release --project GoChatAi.Benchmarks [-- --seconds 10 --concurrency 16 --devmodel-key <key>]
if (args is ["--help" or "-h"])
{
    Console.WriteLine(BenchmarkSettings.Usage);
    return 0;
}

try
{
    var settings = BenchmarkSettings.Parse(args);
    ResultTable.PrintMachine(settings);

    if (settings.Runs(Suites.Auth))
    {
        ResultTable.PrintThroughput("AuthService", await AuthBenchmarks.RunAsync(settings));
    }

    if (settings.Runs(Suites.Chat | Suites.Web))
    {
        using var chat = await ChatBenchmarkContext.CreateAsync(settings);
        if (settings.Runs(Suites.Latency))
        {
            ResultTable.PrintStreamLatency(await StreamLatencyBenchmark.RunAsync(chat));
        }

        if (settings.Runs(Suites.Send))
        {
            ResultTable.PrintThroughput("ChatService: SendMessage, ListConversations", await SendMessageBenchmark.RunAsync(chat));
        }

        if (settings.Runs(Suites.Capacity))
        {
            ResultTable.PrintStreamCapacity(await StreamCapacityBenchmark.RunAsync(chat));
        }

        if (settings.Runs(Suites.Held))
        {
            ResultTable.PrintStreamHold(await StreamHoldBenchmark.RunAsync(chat));
        }

        if (settings.Runs(Suites.History))
        {
            ResultTable.PrintHistory(await HistoryBenchmark.RunAsync(chat));
        }

        if (settings.Runs(Suites.Search))
        {
            ResultTable.PrintSearch(await SearchBenchmark.RunAsync(chat));
        }

        if (settings.Runs(Suites.Web))
        {
            ResultTable.PrintWeb(await WebBenchmark.RunAsync(chat));
        }
    }

    return 0;
}
catch (BenchmarkSetupException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}
