using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using GoChatAi.ChatService.Application.Feeds;

namespace GoChatAi.ChatService.Infrastructure.Redis;

/// <summary>
/// How a <see cref="ConversationEvent"/> is stored in a feed: compact JSON, its kind in <c>"t"</c>, enums by name
/// (so that renumbering one never misreads a stored event). The feed's own format, apart from the API's: a field
/// added to the API changes nothing stored.
/// </summary>
internal static class FeedEventJson
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Computed properties (IsFinal, TotalTokens) are not stored.
        IgnoreReadOnlyProperties = true,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = FeedEventJsonContext.Default.WithAddedModifier(static info =>
        {
            if (info.Type == typeof(ConversationEvent))
            {
                info.PolymorphismOptions = new JsonPolymorphismOptions
                {
                    TypeDiscriminatorPropertyName = "t",
                    DerivedTypes =
                    {
                        new JsonDerivedType(typeof(MessageStored), "message"),
                        new JsonDerivedType(typeof(AnswerStarted), "started"),
                        new JsonDerivedType(typeof(AnswerDelta), "delta"),
                        new JsonDerivedType(typeof(AnswerCompleted), "completed"),
                        new JsonDerivedType(typeof(AnswerFailed), "failed"),
                    },
                };
            }
        }),
    };

    private static readonly JsonTypeInfo<ConversationEvent> s_typeInfo =
        (JsonTypeInfo<ConversationEvent>)s_options.GetTypeInfo(typeof(ConversationEvent));

    public static byte[] Serialize(ConversationEvent chatEvent) => JsonSerializer.SerializeToUtf8Bytes(chatEvent, s_typeInfo);

    public static ConversationEvent Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, s_typeInfo) ?? throw new JsonException("A feed entry holds no event.");
}

[JsonSerializable(typeof(ConversationEvent))]
[JsonSerializable(typeof(MessageStored))]
[JsonSerializable(typeof(AnswerStarted))]
[JsonSerializable(typeof(AnswerDelta))]
[JsonSerializable(typeof(AnswerCompleted))]
[JsonSerializable(typeof(AnswerFailed))]
internal sealed partial class FeedEventJsonContext : JsonSerializerContext;
