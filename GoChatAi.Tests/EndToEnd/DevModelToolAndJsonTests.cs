using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GoChatAi.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The stand-in model's tool calls and JSON output, through the official OpenAI SDK as GoChatAi's
/// OpenAI-compatible endpoint will meet them: calls made unary and streamed, results read back, json_object
/// and json_schema answers, stop sequences, and the 400s OpenAI answers, with the journal's record of each.
/// </summary>
public sealed class DevModelToolAndJsonTests(StandInModelProcess standIn) : IClassFixture<StandInModelProcess>
{
    private const string Model = "gochatai-stand-in";

    private static readonly ChatTool s_weather = ChatTool.CreateFunctionTool(
        "get_weather",
        "The weather in a city",
        BinaryData.FromString("""
            {"type":"object",
             "properties":{"days":{"type":"integer","minimum":1,"maximum":3},
                           "unit":{"type":"string","enum":["celsius","fahrenheit"]},
                           "city":{"type":"string"}},
             "required":["city","unit"],
             "additionalProperties":false}
            """),
        functionSchemaIsStrict: true);

    private static readonly ChatTool s_time = ChatTool.CreateFunctionTool(
        "get_time",
        "The time in a time zone",
        BinaryData.FromString("""{"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]}"""));

    [Fact]
    public async Task A_unary_answer_with_tools_offered_calls_the_first_with_arguments_sampled_from_its_schema()
    {
        var message = "What is the weather in Paris today? " + Directive("", out var key);

        var completion = (await Client().CompleteChatAsync([new UserChatMessage(message)], new ChatCompletionOptions { Tools = { s_weather, s_time } })).Value;

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Empty(completion.Content);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Matches("^call_[0-9a-f]{24}$", call.Id);
        using var arguments = JsonDocument.Parse(call.FunctionArguments);
        // Required properties first, then the others; strings are the message's first five words, the enum's first value.
        Assert.Equal(["city", "unit", "days"], arguments.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("What is the weather in", arguments.RootElement.GetProperty("city").GetString());
        Assert.Equal("celsius", arguments.RootElement.GetProperty("unit").GetString());
        Assert.Equal(2, arguments.RootElement.GetProperty("days").GetInt32());

        var request = Assert.Single(await standIn.FinishedRequestsAsync(key));
        Assert.Equal(["get_weather", "get_time"], request["tools"]!.AsArray().Select(name => (string)name!));
        Assert.Equal("tool_calls", (string)request["finishReason"]!);
        var answered = Assert.Single(request["answerToolCalls"]!.AsArray());
        Assert.Equal(call.Id, (string)answered!["id"]!);
        Assert.Equal(completion.Usage.OutputTokenCount, (int)request["completionTokens"]!);
    }

    [Fact]
    public async Task A_streamed_tool_call_comes_in_argument_pieces_that_reassemble_to_what_the_unary_answer_holds()
    {
        var message = "Which time is it in Tokyo " + Directive("", out var key);
        var options = new ChatCompletionOptions { Tools = { s_weather, s_time }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_time") };

        var calls = new StreamedToolCalls();
        ChatFinishReason? finishReason = null;
        ChatTokenUsage? usage = null;
        var text = new StringBuilder();
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage(message)], options))
        {
            calls.Add(update.ToolCallUpdates);
            text.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
            finishReason = update.FinishReason ?? finishReason;
            usage = update.Usage ?? usage;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finishReason);
        Assert.Equal("", text.ToString());
        var call = Assert.Single(calls.Build());
        Assert.Equal("get_time", call.Name);
        Assert.True(call.ArgumentPieces >= 3, $"the arguments came in {call.ArgumentPieces} pieces");
        using var arguments = JsonDocument.Parse(call.Arguments);
        Assert.Equal("Which time is it in", arguments.RootElement.GetProperty("zone").GetString());
        // A token for the call's name and one per piece of its arguments.
        Assert.Equal(1 + call.ArgumentPieces, usage?.OutputTokenCount);

        // The same conversation asked again, unary: the same call, with the same id.
        var unary = (await Client().CompleteChatAsync([new UserChatMessage(message)], options)).Value;
        var again = Assert.Single(unary.ToolCalls);
        Assert.Equal(call.Id, again.Id);
        Assert.Equal(call.Arguments, again.FunctionArguments.ToString());

        var requests = await standIn.FinishedRequestsAsync(key);
        Assert.Equal([true, false], requests.Select(r => (bool)r["stream"]!));
        Assert.Equal("function", (string)requests[0]["toolChoice"]!["type"]!);
        Assert.Equal("get_time", (string)requests[0]["toolChoice"]!["function"]!["name"]!);
    }

    [Theory]
    [InlineData(null, 2)]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    public async Task The_parallel_directive_calls_each_tool_at_once_unless_parallel_tool_calls_is_false(bool? allowParallel, int expectedCalls)
    {
        var message = "Weather and time in Oslo " + Directive("parallel", out _);
        var options = new ChatCompletionOptions { Tools = { s_weather, s_time }, AllowParallelToolCalls = allowParallel };

        var calls = new StreamedToolCalls();
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage(message)], options))
        {
            calls.Add(update.ToolCallUpdates);
        }

        var made = calls.Build();
        string[] offered = [s_weather.FunctionName, s_time.FunctionName];
        Assert.Equal(offered.Take(expectedCalls), made.Select(c => c.Name));
        Assert.Equal(expectedCalls, made.Select(c => c.Id).Distinct().Count());
        Assert.All(made, c => JsonDocument.Parse(c.Arguments).Dispose());
    }

    [Fact]
    public async Task A_tool_result_sent_back_gets_a_text_answer_that_reads_it_back()
    {
        var client = Client();
        var options = new ChatCompletionOptions { Tools = { s_weather, s_time } };
        List<ChatMessage> conversation = [new UserChatMessage("Weather in Rome? " + Directive("", out var key))];
        var calling = (await client.CompleteChatAsync(conversation, options)).Value;
        var call = Assert.Single(calling.ToolCalls);
        conversation.Add(new AssistantChatMessage(calling));
        conversation.Add(new ToolChatMessage(call.Id, """{"temperature_c":21,"sky":"clear"}"""));

        var text = new StringBuilder();
        ChatFinishReason? finishReason = null;
        await foreach (var update in client.CompleteChatStreamingAsync(conversation, options))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
            finishReason = update.FinishReason ?? finishReason;
        }

        Assert.Equal("""(GoChatAi stand-in model) The tool get_weather returned: {"temperature_c":21,"sky":"clear"}""", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finishReason);

        var answer = (await standIn.FinishedRequestsAsync(key))[1];
        var messages = answer["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "tool"], messages.Select(m => (string)m!["role"]!));
        Assert.Equal(call.Id, (string)messages[1]!["toolCalls"]![0]!["id"]!);
        Assert.Equal("get_weather", (string)messages[1]!["toolCalls"]![0]!["name"]!);
        Assert.Null(messages[1]!["content"]);
        Assert.Equal(call.Id, (string)messages[2]!["toolCallId"]!);
        Assert.Null(answer["answerToolCalls"]);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        // A tool result that answers no call of the assistant message before it.
        { """{"messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"call_none","content":"21"}]}""", "messages" },
        // A call of the assistant message that no tool result answers.
        { """{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_time","arguments":"{}"}}]},{"role":"user","content":"and?"}]}""", "messages" },
        { """{"messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}""", "tool_choice" },
        { """{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"get_time"}}],"tool_choice":{"type":"function","function":{"name":"get_date"}}}""", "tool_choice" },
        { """{"messages":[{"role":"user","content":"hi"}],"parallel_tool_calls":true}""", "parallel_tool_calls" },
        // json_object needs the word JSON somewhere in the messages, as OpenAI insists.
        { """{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""", "messages" },
        { """{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"object"}}}}""", "response_format.json_schema.name" },
        { """{"messages":[{"role":"user","content":"hi"}],"n":2}""", "n" },
        { """{"messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}""", "stop" },
        { """{"messages":[{"role":"user","content":"hi"}],"temperature":2.5}""", "temperature" },
        { """{"messages":[{"role":"robot","content":"hi"}]}""", "messages[0].role" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task What_OpenAI_refuses_is_refused_with_400_naming_the_parameter(string body, string param)
    {
        var request = JsonNode.Parse(body)!.AsObject();
        request["model"] = Model;

        // The SDK's protocol method: n, for one, is not among ChatCompletionOptions' public properties.
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client().CompleteChatAsync(BinaryContent.Create(BinaryData.FromString(request.ToJsonString())), new RequestOptions()));

        Assert.Equal(400, error.Status);
        var body400 = JsonNode.Parse(error.GetRawResponse()!.Content.ToString())!["error"]!;
        Assert.Equal("invalid_request_error", (string)body400["type"]!);
        Assert.Equal(param, (string)body400["param"]!);
    }

    [Fact]
    public async Task A_json_object_answer_is_an_object_holding_the_echo()
    {
        var message = "Answer in JSON: hello there " + Directive("", out var key);
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() };

        var completion = (await Client().CompleteChatAsync([new UserChatMessage(message)], options)).Value;

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        using var answer = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Equal(
            "(GoChatAi stand-in model) You said: \"Answer in JSON: hello there\" This answer is canned by the local stand-in, not generated by a real model.",
            Assert.Single(answer.RootElement.EnumerateObject(), p => p.Name == "answer").Value.GetString());
        Assert.Equal("json_object", (string)Assert.Single(await standIn.FinishedRequestsAsync(key))["responseFormat"]!);
    }

    [Fact]
    public async Task A_json_schema_answer_streams_in_pieces_and_validates_against_the_schema()
    {
        var schema = BinaryData.FromString("""
            {"type":"object",
             "properties":{
               "nickname":{"anyOf":[{"type":"string"},{"type":"null"}]},
               "name":{"type":"string"},
               "age":{"type":"integer","minimum":0,"maximum":150},
               "mood":{"type":"string","enum":["calm","busy"]},
               "born":{"type":"string","format":"date"},
               "pets":{"type":"array","items":{"$ref":"#/$defs/pet"}},
               "home":{"$ref":"#/$defs/address"}},
             "required":["name","age","mood","pets","home"],
             "additionalProperties":false,
             "$defs":{
               "pet":{"type":"object","properties":{"kind":{"type":"string","enum":["cat","dog"]},"legs":{"type":"number"}},"required":["kind","legs"]},
               "address":{"type":"object","properties":{"city":{"type":"string","maxLength":8},"zip":{"type":["string","null"]}},"required":["city","zip"]}}}
            """);
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", schema, jsonSchemaIsStrict: true) };
        var message = "Describe Ann Smith from Bergen " + Directive("", out var key);

        var pieces = new List<string>();
        ChatFinishReason? finishReason = null;
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage(message)], options))
        {
            pieces.AddRange(update.ContentUpdate.Select(part => part.Text).Where(piece => piece.Length > 0));
            finishReason = update.FinishReason ?? finishReason;
        }

        Assert.Equal(ChatFinishReason.Stop, finishReason);
        Assert.True(pieces.Count > 10, $"the JSON came in {pieces.Count} pieces");
        using var answer = JsonDocument.Parse(string.Concat(pieces));
        var person = answer.RootElement;
        Assert.Equal(["name", "age", "mood", "pets", "home", "nickname", "born"], person.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Describe Ann Smith from Bergen", person.GetProperty("name").GetString());
        Assert.Equal(42, person.GetProperty("age").GetInt32());
        Assert.Equal("calm", person.GetProperty("mood").GetString());
        Assert.Equal("2025-01-01", person.GetProperty("born").GetString());
        Assert.Equal("Describe Ann Smith from Bergen", person.GetProperty("nickname").GetString());
        var pet = Assert.Single(person.GetProperty("pets").EnumerateArray());
        Assert.Equal("cat", pet.GetProperty("kind").GetString());
        Assert.Equal(42, pet.GetProperty("legs").GetDouble());
        Assert.Equal("Describe", person.GetProperty("home").GetProperty("city").GetString());
        Assert.Equal(JsonValueKind.String, person.GetProperty("home").GetProperty("zip").ValueKind);

        var request = Assert.Single(await standIn.FinishedRequestsAsync(key));
        Assert.Equal("json_schema", (string)request["responseFormat"]!);
        Assert.Equal("person", (string)request["responseSchemaName"]!);
        Assert.Equal(pieces.Count, (int)request["completionTokens"]!);
    }

    [Fact]
    public async Task A_stop_sequence_cuts_the_answer_before_it_with_finish_reason_stop()
    {
        var options = new ChatCompletionOptions { StopSequences = { "canned", "never there" } };

        var completion = (await Client().CompleteChatAsync([new UserChatMessage("hello " + Directive("", out var key))], options)).Value;

        Assert.Equal("(GoChatAi stand-in model) You said: \"hello\" This answer is ", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(["canned", "never there"], Assert.Single(await standIn.FinishedRequestsAsync(key))["stop"]!.AsArray().Select(s => (string)s!));
    }

    [Fact]
    public async Task An_output_limit_cuts_the_tool_arguments_short_with_finish_reason_length()
    {
        var options = new ChatCompletionOptions { Tools = { s_weather }, MaxOutputTokenCount = 3 };

        var completion = (await Client().CompleteChatAsync([new UserChatMessage("Weather in Lima " + Directive("", out _))], options)).Value;

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        // The name's token, then two pieces of the arguments: no longer JSON, as a real model's cut-off call.
        Assert.Equal("{\"city", Assert.Single(completion.ToolCalls).FunctionArguments.ToString());
        Assert.Equal(3, completion.Usage.OutputTokenCount);
    }

#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK; the stand-in only has to accept and record it.
    [Fact]
    public async Task Sampling_parameters_and_every_role_are_accepted_and_recorded_in_the_journal()
    {
        var options = new ChatCompletionOptions { Seed = 7, Temperature = 0.25f, TopP = 0.5f, EndUserId = "user-7" };
        ChatMessage[] messages =
        [
            new SystemChatMessage("Be brief."),
            new DeveloperChatMessage("Answer in English."),
            new UserChatMessage(ChatMessageContentPart.CreateTextPart("first part"), ChatMessageContentPart.CreateTextPart("second part " + Directive("", out var key))),
        ];

        var completion = (await Client().CompleteChatAsync(messages, options)).Value;

        Assert.StartsWith("(GoChatAi stand-in model) You said: \"first part second part\"", completion.Content[0].Text, StringComparison.Ordinal);
        var request = Assert.Single(await standIn.FinishedRequestsAsync(key));
        Assert.Equal(7, (long)request["seed"]!);
        Assert.Equal(0.25, (double)request["temperature"]!);
        Assert.Equal(0.5, (double)request["topP"]!);
        Assert.Equal("user-7", (string)request["user"]!);
        Assert.Equal(["system", "developer", "user"], request["messages"]!.AsArray().Select(m => (string)m!["role"]!));
        Assert.Equal("Be brief.", (string)request["messages"]![0]!["content"]!);
    }
#pragma warning restore OPENAI001

    private ChatClient Client() =>
        new(Model, new ApiKeyCredential(StandInModelProcess.ApiKey), new OpenAIClientOptions { Endpoint = standIn.OpenAiEndpoint });

    /// <summary>A directive with a key of its own, so that the journal's entries of this request are found by it.</summary>
    private static string Directive(string settings, out string key)
    {
        key = "tools-" + Guid.NewGuid().ToString("N");
        return $"[[devmodel: key={key}; {settings}]]";
    }

    /// <summary>
    /// Puts streamed tool calls back together as a client must: by index, the id and name from the first
    /// update of each, the arguments appended from every update.
    /// </summary>
    private sealed class StreamedToolCalls
    {
        private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments, int Pieces)> _calls = [];

        public void Add(IEnumerable<StreamingChatToolCallUpdate> updates)
        {
            foreach (var update in updates)
            {
                var call = _calls.TryGetValue(update.Index, out var known) ? known : (null, null, new StringBuilder(), 0);
                var piece = update.FunctionArgumentsUpdate?.ToString() ?? "";
                call.Arguments.Append(piece);
                _calls[update.Index] = (call.Id ?? update.ToolCallId, call.Name ?? update.FunctionName, call.Arguments, call.Pieces + (piece.Length > 0 ? 1 : 0));
            }
        }

        public List<StreamedToolCall> Build() =>
            [.. _calls.Values.Select(call => new StreamedToolCall(call.Id!, call.Name!, call.Arguments.ToString(), call.Pieces))];
    }

    private sealed record StreamedToolCall(string Id, string Name, string Arguments, int ArgumentPieces);
}
