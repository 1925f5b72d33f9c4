using System.ComponentModel.DataAnnotations;

namespace GoChatAi.DevModel;

/// <summary>Settings of the stand-in, from the <c>DevModel</c> configuration section.</summary>
public sealed class DevModelOptions
{
    public const string SectionName = "DevModel";

    /// <summary>When set, every model request must carry this key (Bearer or <c>api-key</c>); empty lets all in.</summary>
    public string? ApiKey { get; set; }

    /// <summary>What <c>GET /v1/models</c> lists. Any model name is answered, as the stand-in has no real models.</summary>
    public IList<string> Models { get; } = [];

    /// <summary>Prompt plus <c>max_tokens</c> above this answers 400 <c>context_length_exceeded</c>.</summary>
    [Range(16, 10_000_000)]
    public int ContextWindow { get; set; } = 128_000;

    /// <summary>How many requests <c>GET /_devmodel/requests</c> remembers.</summary>
    [Range(1, 1_000_000)]
    public int JournalCapacity { get; set; } = 1000;

    /// <summary>The model named when a request names none and no deployment does either.</summary>
    public const string DefaultModel = "gochatai-stand-in";
}
