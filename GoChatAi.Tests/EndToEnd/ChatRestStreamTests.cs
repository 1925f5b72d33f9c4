using System.Net;
using System.Text.Json.Nodes;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// StreamChat over REST, <c>POST /v1/chat/ai:stream</c>: JSON transcoding of a server stream writes each event as
/// one JSON object followed by a new line, flushed as it is written, in one 200 response.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ChatRestStreamTests(GoChatAiAppFixture fixture)
{
    /// <summary>The oneof's members, as the JSON mapping names them: each event has exactly one.</summary>
    private static readonly string[] s_eventKinds = ["messageCreated", "generationStarted", "delta", "completed", "failed"];

    [Fact]
    public async Task The_transcoded_stream_sends_one_json_object_per_event_line_by_line()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/ai:stream")
        {
            Content = RestJson.Json(new { message = "stream over rest [[devmodel: tokens=6; slow=10ms]]", maxTokens = 100 }),
        };
        using var response = await rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var events = new List<JsonObject>();
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length > 0)
                {
                    events.Add(JsonNode.Parse(line)!.AsObject());
                }
            }
        }

        static string Kind(JsonObject e) => s_eventKinds.Single(e.ContainsKey);
        Assert.Equal(["messageCreated", "generationStarted", "delta", "completed"], events.Select(Kind).WithDeltasAsOne());
        var completed = events[^1]["completed"]!;
        Assert.Equal("FINISH_REASON_STOP", (string)completed["finishReason"]!);
        Assert.Equal(6, (int)completed["usage"]!["completionTokens"]!);
        // Increasing; whether int64 is written as a JSON number or string is the transcoding settings' business.
        var sequences = events.Select(e => long.Parse(e["sequence"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sequences.Order(), sequences);

        var conversationId = (string)events[0]["conversationId"]!;
        var answer = (await user.HistoryAsync(conversationId))[1];
        Assert.Equal((string)completed["messageId"]!, answer.Id);
        Assert.Equal(string.Concat(events.Where(e => e.ContainsKey("delta")).Select(e => (string)e["delta"]!["text"]!)), answer.Content);
        Assert.Equal(MessageStatus.Finished, answer.Status);
    }

    [Fact]
    public async Task A_refused_request_gets_the_rest_error_shape_before_any_event()
    {
        var user = await ChatUser.SignUpAsync(fixture);
        using var rest = user.Rest();

        using var response = await rest.PostAsync("/v1/chat/ai:stream", RestJson.Json(new { message = "", temperature = 3 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.ReadObjectAsync();
        Assert.Equal(3, (int)body["code"]!);
        var violations = body["details"]![0]!["fieldViolations"]!.AsArray().Select(v => (string)v!["field"]!).ToList();
        Assert.Equal(["message", "temperature"], violations);
        Assert.Equal(0, (await user.CountStoredAsync()).Conversations);
    }
}
