using System.ComponentModel.DataAnnotations;

namespace GoChatAi.ChatService.Infrastructure.ApiKeys;

/// <summary>How the ChatService takes personal API keys (section "ApiKeys"), validated at start-up.</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    /// <summary>The AuthService's gRPC endpoint, where keys are exchanged; service discovery resolves the default.</summary>
    [Required]
    public Uri AuthServiceAddress { get; set; } = new("http://_grpc.authservice");

    /// <summary>Refused keys from one client address, within the window, before its keys are no longer even checked.</summary>
    [Range(1, 100_000)]
    public int MaxFailuresPerClient { get; set; } = 50;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);
}
