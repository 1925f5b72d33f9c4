namespace GoChatAi.AppHost.Infrastructure;

/// <summary>No way to get PostgreSQL and Redis on this machine; the message says what to install or configure.</summary>
public sealed class InfrastructureUnavailableException(string message) : Exception(message);
