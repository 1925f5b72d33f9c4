using System.ComponentModel.DataAnnotations;

namespace GoChatAi.ChatService.Application;

/// <summary>The ChatService's rules for requests, limits and live feeds (section "Chat"), validated at start-up.</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>The longest user message, in characters.</summary>
    [Range(1, 200_000)]
    public int MaxMessageLength { get; set; } = 32_000;

    /// <summary>Requests per user and minute to the calls that write (create, send, chat).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinute { get; set; } = 60;

    /// <summary>Prompt plus completion tokens per user and UTC day.</summary>
    [Range(1, long.MaxValue)]
    public long TokensPerDay { get; set; } = 1_000_000;

    /// <summary>How long a conversation's feed events stay replayable after the last one.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most events kept per conversation feed; older ones go first.</summary>
    [Range(100, 1_000_000)]
    public int MaxEventsPerConversation { get; set; } = 20_000;

    /// <summary>
    /// How long a running answer holds its conversation without its replica renewing the hold (a third of this
    /// apart). A replica that dies frees its conversations after this, and any replica then ends their answers as
    /// incomplete, with the text the feed holds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:05:00")]
    public TimeSpan GenerationLease { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>A comment line is sent on idle Server-Sent Events streams this often, so that proxies keep them open.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The largest file ImportConversations takes, in bytes (64 MiB by default): the gRPC call's receive limit and the
    /// REST upload's body limit are set from it.
    /// </summary>
    [Range(1024, 1024 * 1024 * 1024)]
    public int MaxImportBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Whether a conversation without a title gets one from the model after its first answer.</summary>
    public bool GenerateTitles { get; set; } = true;
}
