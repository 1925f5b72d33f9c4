using System.Net;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using GoChatAi.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// What a newcomer opens first: each service's OpenAPI document, generated from the .proto files with their comments,
/// the reference page over it, the root that points to both, the dashboard's links and the start-up log line.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class ApiDocumentationTests(GoChatAiAppFixture fixture)
{
    public static TheoryData<string, string, string, string, string, string> DocumentedOperations => new()
    {
        // service, route, method, a sentence of the RPC's comment, request message, a field's comment in it
        { "authservice", "/v1/auth/signup", "post", "Creates an account with the role `user`", "SignUpRequest.password",
            "one of the 10,000 most common passwords is refused" },
        { "authservice", "/v1/users/{id}", "patch", "Changes an account's name and/or password", "UpdateUserRequest.newPassword",
            "The new password, under the same rules as at sign-up" },
        { "chatservice", "/v1/chat/ai", "post", "Stores the user's message, asks the model", "ChatWithAIRequest.temperature",
            "Sampling temperature: 0 to 2" },
        { "chatservice", "/v1/chat/conversations/{conversationId}", "get", "Returns one of the caller's conversations", "Conversation.title",
            "empty until set, or until one is generated after the first answer" },
    };

    [Theory]
    [MemberData(nameof(DocumentedOperations))]
    public async Task The_OpenApi_document_has_the_transcoded_routes_with_the_proto_comments(
        string service, string route, string method, string operationComment, string field, string fieldComment)
    {
        using var document = await ReadDocumentAsync(service);
        var root = document.RootElement;

        var operation = root.GetProperty("paths").GetProperty(route).GetProperty(method);
        Assert.StartsWith(operationComment, operation.GetProperty("summary").GetString(), StringComparison.Ordinal);

        var (schema, property) = (field.Split('.')[0], field.Split('.')[1]);
        var description = root.GetProperty("components").GetProperty("schemas").GetProperty(schema)
            .GetProperty("properties").GetProperty(property).GetProperty("description").GetString();
        Assert.Contains(fieldComment, description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("authservice", "/v1/users/me", "get", "/v1/auth/signin", "post")]
    [InlineData("chatservice", "/v1/chat/conversations", "get", "/v1/shared/{shareId}", "get")]
    public async Task Operations_that_need_a_token_ask_for_the_bearer_scheme_and_only_they(
        string service, string securedRoute, string securedMethod, string? openRoute, string? openMethod)
    {
        using var document = await ReadDocumentAsync(service);
        var root = document.RootElement;

        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        var secured = root.GetProperty("paths").GetProperty(securedRoute).GetProperty(securedMethod);
        Assert.True(secured.GetProperty("security")[0].TryGetProperty("Bearer", out _));
        if (openRoute is not null)
        {
            Assert.False(root.GetProperty("paths").GetProperty(openRoute).GetProperty(openMethod!).TryGetProperty("security", out _));
        }
    }

    [Fact]
    public async Task The_server_sent_events_route_is_documented_with_its_request_body()
    {
        using var document = await ReadDocumentAsync("chatservice");

        var stream = document.RootElement.GetProperty("paths").GetProperty("/v1/chat/ai/stream").GetProperty("post");
        var body = stream.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal("#/components/schemas/ChatWithAIRequest", body.GetProperty("$ref").GetString());
        Assert.True(stream.GetProperty("security")[0].TryGetProperty("Bearer", out _));
    }

    [Theory]
    [InlineData("authservice")]
    [InlineData("chatservice")]
    public async Task The_docs_page_answers_html(string service)
    {
        using var client = fixture.CreateRestClient(service);

        // As a person types it; the page redirects to its own folder, where its script and the document are found.
        using var response = await client.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", page, StringComparison.Ordinal);
        using var script = await client.GetAsync(new Uri(response.RequestMessage!.RequestUri!, "scalar.js"));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Theory]
    [InlineData("authservice", "GoChatAi.AuthService")]
    [InlineData("chatservice", "GoChatAi.ChatService")]
    public async Task The_root_says_what_the_service_is_and_where_its_docs_and_health_are(string service, string name)
    {
        using var client = fixture.CreateRestClient(service);

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(name, root.RootElement.GetProperty("service").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.RootElement.GetProperty("description").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(root.RootElement.GetProperty("version").GetString()));
        Assert.Equal("/docs", root.RootElement.GetProperty("docs").GetString());
        Assert.Equal("/openapi/v1.json", root.RootElement.GetProperty("openapi").GetString());
        var health = root.RootElement.GetProperty("health").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(health)).StatusCode);
    }

    [Theory]
    [InlineData("authservice")]
    [InlineData("chatservice")]
    public async Task The_dashboard_links_a_service_to_its_docs_first_and_keeps_grpc_in_the_details(string service)
    {
        var urls = await UrlsAsync(service);

        // The dashboard's own order (Aspire.Dashboard ResourceUrlHelpers): display order, https first, then endpoint
        // name, stable; the resource list shows the URLs that are not internal.
        var listed = urls.Where(u => !u.IsInternal && !u.IsInactive)
            .OrderByDescending(u => u.DisplayProperties.SortOrder)
            .ThenByDescending(u => u.Url.StartsWith("https", StringComparison.Ordinal))
            .ThenBy(u => u.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
        Assert.NotEmpty(listed);
        Assert.Equal("API docs", listed[0].DisplayProperties.DisplayName);
        Assert.EndsWith("/docs", listed[0].Url, StringComparison.Ordinal);
        Assert.Contains(listed, u => u.DisplayProperties.DisplayName == "REST" && u.Url.EndsWith('/'));
        Assert.All(urls.Where(u => u.Name == "grpc"), u => Assert.True(u.IsInternal));
    }

    [Theory]
    [InlineData("authservice")]
    [InlineData("chatservice")]
    public async Task The_service_logs_its_addresses_and_docs_once_it_listens(string service)
    {
        var rest = fixture.App.GetEndpoint(service, "http").ToString().TrimEnd('/');
        var grpc = fixture.App.GetEndpoint(service, "grpc").ToString().TrimEnd('/');
        var expected = $"serves REST on {rest} and gRPC on {grpc}; API docs: {rest}/docs";

        // The console output the AppHost keeps of the service's process (named by its instance, not the resource).
        var logs = fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        var lines = new List<LogLine>();
        await foreach (var batch in logs.GetAllAsync(await InstanceIdAsync(service)))
        {
            lines.AddRange(batch);
        }

        // The console logger writes the level and category on the line before the message.
        var found = lines.Index().Any(line => line.Item.Content.Contains(expected, StringComparison.Ordinal) && !line.Item.IsErrorMessage
            && line.Index > 0 && lines[line.Index - 1].Content.Contains("info", StringComparison.Ordinal));
        Assert.True(found, $"No information line of {service} says \"{expected}\".");
    }

    private async Task<JsonDocument> ReadDocumentAsync(string service)
    {
        using var client = fixture.CreateRestClient(service);
        using var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private async Task<string> InstanceIdAsync(string service)
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        await foreach (var update in fixture.App.ResourceNotifications.WatchAsync(deadline.Token))
        {
            if (update.Resource.Name == service)
            {
                return update.ResourceId;
            }
        }

        throw new InvalidOperationException($"{service} has no instance.");
    }

    private async Task<IReadOnlyList<UrlSnapshot>> UrlsAsync(string service)
    {
        using var deadline = new CancellationTokenSource(GoChatAiAppFixture.StepTimeout);
        await foreach (var update in fixture.App.ResourceNotifications.WatchAsync(deadline.Token))
        {
            if (update.Resource.Name == service && update.Snapshot.Urls.Any(u => u.Name == "grpc"))
            {
                return update.Snapshot.Urls;
            }
        }

        throw new InvalidOperationException($"{service} has no URLs.");
    }
}
