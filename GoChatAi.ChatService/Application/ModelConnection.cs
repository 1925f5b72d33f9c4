using System.Data.Common;

namespace GoChatAi.ChatService.Application;

/// <summary>
/// Where the model provider is, from the <c>openai</c> connection string:
/// <c>Endpoint=https://...;Key=...;Model=...</c> (Aspire's convention; <c>Deployment</c> is read as <c>Model</c>).
/// An Azure OpenAI endpoint (<c>*.openai.azure.com</c>, <c>*.cognitiveservices.azure.com</c>, or
/// <c>Provider=azure</c>) is called with the Azure client; any other with the OpenAI client at that endpoint.
/// </summary>
public sealed record ModelConnection(Uri? Endpoint, string Key, string? Model, bool IsAzure)
{
    public const string ConnectionName = "openai";

    private static readonly string[] s_azureHostSuffixes = [".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com"];

    /// <summary>Reads a connection string; the error names what is wrong and never repeats the key.</summary>
    public static ModelConnection Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:openai is not set: give it as Endpoint=...;Key=...;Model=... (the AppHost does, with the stand-in).");
        }

        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string? Value(string name) => builder.TryGetValue(name, out var value) && value is string text && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

        Uri? endpoint = null;
        if (Value("Endpoint") is { } endpointText
            && (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            throw new InvalidOperationException("ConnectionStrings:openai has an Endpoint that is not an http(s) URL.");
        }

        var key = Value("Key") ?? throw new InvalidOperationException("ConnectionStrings:openai has no Key.");
        var provider = Value("Provider");
        var isAzure = string.Equals(provider, "azure", StringComparison.OrdinalIgnoreCase)
            || (provider is null && endpoint is not null && s_azureHostSuffixes.Any(s => endpoint.Host.EndsWith(s, StringComparison.OrdinalIgnoreCase)));
        if (isAzure && endpoint is null)
        {
            throw new InvalidOperationException("ConnectionStrings:openai names Azure OpenAI but has no Endpoint.");
        }

        return new ModelConnection(endpoint, key, Value("Model") ?? Value("Deployment"), isAzure);
    }

    // The key must never reach a log line through a record's generated ToString.
    public override string ToString() => $"ModelConnection {{ Endpoint = {Endpoint}, Model = {Model}, IsAzure = {IsAzure} }}";
}
