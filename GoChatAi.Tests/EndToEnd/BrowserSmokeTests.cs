using GoChatAi.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The browser tests' own plumbing, end to end without the web app: Debian's Chromium, driven by Playwright, opens a
/// page the running system already serves (the AuthService's API reference), sees it rendered and saves a screenshot.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed class BrowserSmokeTests(GoChatAiAppFixture app, BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task Chromium_renders_the_api_reference_page_offline_and_saves_a_screenshot()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var opening = System.Diagnostics.Stopwatch.StartNew();
        await using var session = await browser.OpenPageAsync(nameof(Chromium_renders_the_api_reference_page_offline_and_saves_a_screenshot), deadline.Token);
        output.WriteLine($"The first page opened in {opening.Elapsed.TotalSeconds:0.0} s (the driver and Chromium started).");
        var docs = new Uri(app.App.GetEndpoint("authservice", "http"), "/docs");

        var rendering = System.Diagnostics.Stopwatch.StartNew();
        await session.RunAsync(async page =>
        {
            await page.GotoAsync(docs.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });

            // Scalar draws the page in script from the OpenAPI document: the heading is there only once it has run.
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 }))
                .ToHaveTextAsync("GoChatAi.AuthService");
        });
        output.WriteLine($"The page was drawn in {rendering.Elapsed.TotalSeconds:0.0} s.");
        var screenshot = await session.SaveScreenshotAsync("api-reference", cancellationToken: deadline.Token);

        Assert.True(new FileInfo(screenshot).Length > 0, $"{screenshot} is empty.");
        // The page is documented to load nothing from elsewhere (ApiDocumentationExtensions); the session refuses such requests.
        Assert.Empty(session.RefusedRequests);
        output.WriteLine($"Chromium {await browser.VersionAsync(deadline.Token)}: {screenshot}");
    }
}
