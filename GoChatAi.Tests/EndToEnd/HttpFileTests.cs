using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The .http files beside each service are the journey a newcomer runs first: every request in them is run here,
/// in order, against the running system, so that they stay true. Each must succeed, or answer the status its
/// "# Expect:" line names.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed partial class HttpFileTests(GoChatAiAppFixture fixture)
{
    [Theory]
    [InlineData("authservice")]
    [InlineData("chatservice")]
    public async Task Every_request_of_the_service_s_http_file_answers_as_it_says(string service)
    {
        var project = service == "authservice" ? new Projects.GoChatAi_AuthService().ProjectPath : new Projects.GoChatAi_ChatService().ProjectPath;
        var file = Path.ChangeExtension(project, ".http");
        // The file's own addresses are the AppHost's development ports; here they are the test run's. One account
        // per run, so that its sign-up is new.
        var variables = new Dictionary<string, string>
        {
            ["auth"] = fixture.App.GetEndpoint("authservice", "http").ToString().TrimEnd('/'),
            ["chat"] = fixture.App.GetEndpoint("chatservice", "http").ToString().TrimEnd('/'),
        };
        var responses = new Dictionary<string, JsonNode?>();
        var text = (await File.ReadAllTextAsync(file)).Replace("@example.com", $"-{Guid.NewGuid():N}@example.com", StringComparison.Ordinal);
        using var client = new HttpClient();
        var ran = 0;

        foreach (var block in text.Split("\n###"))
        {
            var lines = block.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            string? name = null;
            var expected = (HttpStatusCode?)null;
            var at = 0;
            for (; at < lines.Count; at++)
            {
                var line = lines[at];
                if (line.StartsWith("# @name ", StringComparison.Ordinal))
                {
                    name = line["# @name ".Length..].Trim();
                }
                else if (line.StartsWith("# Expect: ", StringComparison.Ordinal))
                {
                    expected = (HttpStatusCode)int.Parse(line["# Expect: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith('@') && line.Contains('=', StringComparison.Ordinal))
                {
                    var (key, value) = (line[1..line.IndexOf('=', StringComparison.Ordinal)].Trim(), line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim());
                    variables.TryAdd(key, Substitute(value, variables, responses));
                }
                else if (RequestLine().IsMatch(line))
                {
                    break;
                }
            }

            if (at == lines.Count)
            {
                continue;
            }

            var requestLine = Substitute(lines[at], variables, responses).Split(' ', 2);
            using var request = new HttpRequestMessage(new HttpMethod(requestLine[0]), requestLine[1]);
            var headers = new List<(string, string)>();
            for (at++; at < lines.Count && lines[at].Length > 0; at++)
            {
                var colon = lines[at].IndexOf(':', StringComparison.Ordinal);
                headers.Add((lines[at][..colon].Trim(), Substitute(lines[at][(colon + 1)..].Trim(), variables, responses)));
            }

            var body = string.Join('\n', lines.Skip(at + 1)).Trim();
            if (body.Length > 0)
            {
                request.Content = new StringContent(Substitute(body, variables, responses), Encoding.UTF8, "application/json");
            }

            foreach (var (header, value) in headers.Where(h => !h.Item1.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
            {
                request.Headers.Add(header, value);
            }

            using var response = await client.SendAsync(request);
            var content = await response.Content.ReadAsStringAsync();
            if (expected is { } status)
            {
                Assert.True(status == response.StatusCode, $"{requestLine[0]} {requestLine[1]}: {(int)response.StatusCode} {content}");
            }
            else
            {
                Assert.True(response.IsSuccessStatusCode, $"{requestLine[0]} {requestLine[1]}: {(int)response.StatusCode} {content}");
            }

            if (name is not null)
            {
                responses[name] = JsonNode.Parse(content);
            }

            ran++;
        }

        Assert.True(ran >= 8, $"only {ran} requests ran");
    }

    /// <summary>{{variable}} and {{name.response.body.$.a.b}}, as the REST clients that run .http files read them.</summary>
    private static string Substitute(string text, Dictionary<string, string> variables, Dictionary<string, JsonNode?> responses) =>
        Placeholder().Replace(text, match =>
        {
            var expression = match.Groups[1].Value;
            if (variables.TryGetValue(expression, out var value))
            {
                return value;
            }

            var parts = expression.Split(".response.body.$.");
            Assert.True(parts.Length == 2 && responses.ContainsKey(parts[0]), $"{{{{{expression}}}}} names nothing the file has set");
            var node = responses[parts[0]];
            foreach (var property in parts[1].Split('.'))
            {
                node = node?[property];
            }

            return node?.ToString() ?? throw new InvalidOperationException($"{expression} is not in the response");
        });

    [GeneratedRegex(@"\{\{([^}]+)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^(GET|POST|PUT|PATCH|DELETE) ")]
    private static partial Regex RequestLine();
}
