using System.Diagnostics;
using System.Globalization;
using GoChatAi.Contracts.Chat.V1;
using Microsoft.Playwright;

namespace GoChatAi.Benchmarks;

/// <summary>The same answers timed three ways, one at a time: the stand-in asked directly, StreamChat over gRPC, and a person in the browser.</summary>
public sealed record WebResult(StreamSummary Model, StreamSummary Grpc, StreamSummary Browser, int Tokens, TimeSpan Pace, string BrowserVersion);

/// <summary>
/// Time from pressing Enter in the web app to the first piece of the answer on screen (the frame after it enters
/// the page), measured in the page itself with the browser's clock, against the ChatService's own time to first
/// token over gRPC (through the AppHost's proxy, as the web app calls it) and the stand-in model asked directly.
/// What the web app adds is the difference: the circuit's message from the browser, the call to the ChatService,
/// the render and its diff back over the WebSocket. Answers alternate between the paths, one at a time, each path
/// continuing one conversation of its own, so that both meet the same history and the same machine.
/// </summary>
public static class WebBenchmark
{
    public const int Tokens = 20;
    public static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    /// <summary>As the browser tests run it: root needs no sandbox, and nothing may reach for the network.</summary>
    private static readonly string[] _switches =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ];

    /// <summary>
    /// Arms the page for one answer: the time of the Enter press (caught before the page's own handler), then the
    /// first frame after a new answer shows text; <c>window.__firstToken</c> resolves to the milliseconds between.
    /// </summary>
    private const string ArmScript = """
        () => {
            const answersBefore = document.querySelectorAll("article.assistant").length;
            window.__firstToken = new Promise(resolve => {
                let pressed = null;
                document.addEventListener("keydown", e => { if (e.key === "Enter" && !e.shiftKey) pressed = performance.now(); }, { capture: true, once: true });
                const observer = new MutationObserver(() => {
                    const answers = document.querySelectorAll("article.assistant");
                    const text = answers.length > answersBefore ? answers[answers.length - 1].querySelector(".markdown")?.textContent : "";
                    if (pressed !== null && text) {
                        observer.disconnect();
                        requestAnimationFrame(() => resolve(performance.now() - pressed));
                    }
                });
                observer.observe(document.querySelector(".transcript"), { childList: true, subtree: true, characterData: true });
            });
        }
        """;

    public static async Task<WebResult> RunAsync(ChatBenchmarkContext chat)
    {
        var settings = chat.Settings;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"How soon does the first word show? [[devmodel: tokens={Tokens}; slow={Pace.TotalMilliseconds:0}ms]]");
        var executable = Environment.GetEnvironmentVariable("GOCHATAI_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new BenchmarkSetupException($"The web figures need Chromium at {executable}: apt-get install chromium, or set GOCHATAI_CHROMIUM.");
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = _switches });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        page.SetDefaultTimeout((float)_timeout.TotalMilliseconds);

        var user = chat.UserFor(0);
        await SignInAsync(page, settings.Web, user);
        var conversation = await chat.CreateConversationAsync(user, "Benchmark: gRPC beside the web app", CancellationToken.None);

        Console.Error.WriteLine($"web: {settings.WebAnswers} answers each way, one at a time");
        var model = new List<StreamTiming>();
        var grpc = new List<StreamTiming>();
        var shown = new List<StreamTiming>();
        var errors = new Dictionary<string, (int Count, string? First)>();
        // One of each first, untimed: the page's first answer also creates its conversation.
        await InBrowserAsync(page, message);
        await chat.Proxied.StreamChatAsync(user, conversation, message, Tokens, _timeout, CancellationToken.None);
        for (var i = 0; i < settings.WebAnswers; i++)
        {
            await TimeAsync("model", model, errors, () => chat.DevModel.StreamAsync(chat.Model, message, ChatBenchmarkContext.MaxTokens, Tokens, CancellationToken.None));
            await TimeAsync("grpc", grpc, errors, () => chat.Proxied.StreamChatAsync(user, conversation, message, Tokens, _timeout, CancellationToken.None));
            await TimeAsync("browser", shown, errors, () => InBrowserAsync(page, message));
        }

        return new WebResult(
            Summary("stand-in model, asked directly (HTTP SSE)", "model", model, errors),
            Summary($"ChatService StreamChat (gRPC), {chat.Proxied.Name}", "grpc", grpc, errors),
            Summary("web app: Enter to first token on screen (Chromium)", "browser", shown, errors),
            Tokens, Pace, browser.Version);
    }

    private static async Task SignInAsync(IPage page, Uri web, BenchmarkUser user)
    {
        await page.GotoAsync(new Uri(web, "/signin").ToString());
        await page.GetByLabel("Email").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(BenchmarkUser.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByLabel("Message", new() { Exact = true }).WaitForAsync();
    }

    /// <summary>Sends the message as a person does and waits for the whole answer; the timing is the page's own.</summary>
    private static async Task<StreamTiming> InBrowserAsync(IPage page, string message)
    {
        var box = page.GetByLabel("Message", new() { Exact = true });
        await Assertions.Expect(box).ToBeEnabledAsync();
        await box.FillAsync(message);
        await page.EvaluateAsync(ArmScript);
        var started = Stopwatch.GetTimestamp();
        await box.PressAsync("Enter");
        var firstToken = TimeSpan.FromMilliseconds(await page.EvaluateAsync<double>("() => window.__firstToken"));
        await Assertions.Expect(page.Locator("article.assistant").Last).ToHaveAttributeAsync("data-status", "done");
        return new StreamTiming(firstToken, Stopwatch.GetElapsedTime(started));
    }

    private static async Task TimeAsync(string path, List<StreamTiming> timings, Dictionary<string, (int Count, string? First)> errors, Func<Task<StreamTiming>> answer)
    {
        try
        {
            timings.Add(await answer());
        }
#pragma warning disable CA1031 // A failed answer is counted and reported in the table, as in the other figures.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var (count, first) = errors.GetValueOrDefault(path);
            errors[path] = (count + 1, first ?? ErrorText.Describe(exception));
        }
    }

    private static StreamSummary Summary(string name, string path, List<StreamTiming> timings, Dictionary<string, (int Count, string? First)> errors)
    {
        var (count, first) = errors.GetValueOrDefault(path);
        return StreamSummary.From(name, timings, count, first);
    }
}
