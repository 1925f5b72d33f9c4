using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GoChatAi.DevModel.Protocol;

/// <summary>The OpenAI wire format: snake_case, nulls written. Source-generated, so no reflection at run time.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(AzurePromptFilterChunk))]
[JsonSerializable(typeof(OpenAiErrorBody))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelInfo))]
internal sealed partial class DevModelJsonContext : JsonSerializerContext
{
    /// <summary>
    /// What goes on the wire: as <see cref="Default"/>, but with quotes and non-ASCII text written as they are
    /// (<c>"</c>, not <c>\u0022</c>), as the real providers write them.
    /// </summary>
    public static DevModelJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
