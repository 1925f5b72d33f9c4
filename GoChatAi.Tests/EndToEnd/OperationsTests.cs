using System.Net.Http.Json;
using GoChatAi.Tests.Infrastructure;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>What an operator relies on: correlation ids and the Prometheus scrape endpoint.</summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class OperationsTests(GoChatAiAppFixture fixture)
{
    [Theory]
    [InlineData("authservice")]
    [InlineData("chatservice")]
    public async Task A_callers_correlation_id_comes_back_and_one_is_made_when_missing(string service)
    {
        using var rest = fixture.CreateRestClient(service);
        using var withId = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        withId.Headers.Add("X-Correlation-ID", "test-correlation-42");

        using var echoed = await rest.SendAsync(withId);
        using var made = await rest.GetAsync("/health/live");

        Assert.Equal("test-correlation-42", Assert.Single(echoed.Headers.GetValues("X-Correlation-ID")));
        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(made.Headers.GetValues("X-Correlation-ID"))));
    }

    [Fact]
    public async Task A_hostile_correlation_id_is_replaced_not_echoed()
    {
        using var rest = fixture.CreateRestClient("authservice");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.TryAddWithoutValidation("X-Correlation-ID", "<script>alert(1)</script>");

        using var response = await rest.SendAsync(request);

        Assert.DoesNotContain("<", Assert.Single(response.Headers.GetValues("X-Correlation-ID")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("authservice")]
    [InlineData("chatservice")]
    public async Task Metrics_are_scraped_with_the_framework_metrics(string service)
    {
        using var rest = fixture.CreateRestClient(service);
        await rest.PostAsJsonAsync("/v1/auth/validate", new { token = "x" });

        var text = await rest.GetStringAsync("/metrics");

        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
    }
}
