namespace GoChatAi.Benchmarks;

/// <summary>The stack or the options are not as the benchmark needs them; the message says what to do.</summary>
public sealed class BenchmarkSetupException(string message) : Exception(message);
