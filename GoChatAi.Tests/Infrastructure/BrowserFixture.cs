using Microsoft.Playwright;

namespace GoChatAi.Tests.Infrastructure;

/// <summary>
/// One Playwright driver and one headless Chromium for a test collection, beside <see cref="GoChatAiAppFixture"/>.
/// The browser is the machine's own (Debian's chromium): Playwright's browser download is not reachable here, so
/// nothing is installed through it. It starts on the first <see cref="OpenPageAsync"/>, so that a run with no
/// browser test pays nothing for it, and a machine without Chromium fails only the browser tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Names a Chromium or Chrome executable other than Debian's (another distribution, macOS, a check of the missing-browser message).</summary>
    public const string ExecutableVariable = "GOCHATAI_CHROMIUM";

    /// <summary>Names the folder screenshots go to, instead of the repository's <c>TestResults/screenshots</c>.</summary>
    public const string ScreenshotsVariable = "GOCHATAI_SCREENSHOTS";

    public const string DebianExecutable = "/usr/bin/chromium";

    /// <summary>How long a start, a navigation or a wait for an element may take: generous, the machine is shared with the whole system.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Root runs Chromium without its sandbox. The rest keep it off this closed network: without them it looks up
    /// Google's hosts at every start and opens connections that the network refuses. (Playwright adds a fresh
    /// profile folder and most of its own quiet switches too; these are said again so that they do not depend on it.)
    /// Even with all of them Debian's Chromium still looks up update.googleapis.com at start (seen with a resolver
    /// that logged it), so its own resolver finds no name but this machine's.
    /// </summary>
    private static readonly string[] s_switches =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ];

    private readonly Lazy<Task<(IPlaywright Playwright, IBrowser Browser)>> _started;

    public BrowserFixture() => _started = new(StartAsync);

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path ? path : DebianExecutable;

    /// <summary>Where <see cref="BrowserSession.SaveScreenshotAsync"/> writes: <c>TestResults/screenshots</c> in the repository, unless <see cref="ScreenshotsVariable"/> says otherwise.</summary>
    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable(ScreenshotsVariable) is { Length: > 0 } folder
            ? Path.GetFullPath(folder)
            : Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    /// <summary>The browser's version, once started (for a test's output).</summary>
    public async Task<string> VersionAsync(CancellationToken cancellationToken = default) =>
        (await _started.Value.WaitAsync(cancellationToken)).Browser.Version;

    /// <summary>A new browser context (its own cookies and storage, like a private window) with one page, for one test.</summary>
    /// <param name="testName">Names the screenshot taken if the test's steps fail (see <see cref="BrowserSession.RunAsync"/>).</param>
    public async Task<BrowserSession> OpenPageAsync(string testName, CancellationToken cancellationToken = default)
    {
        var (_, browser) = await _started.Value.WaitAsync(cancellationToken);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
            TimezoneId = "UTC",
        }).WaitAsync(cancellationToken);
        try
        {
            context.SetDefaultTimeout((float)StepTimeout.TotalMilliseconds);
            return await BrowserSession.OpenAsync(context, testName, cancellationToken);
        }
        catch
        {
            await context.CloseAsync();
            throw;
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (!_started.IsValueCreated || !_started.Value.IsCompletedSuccessfully)
        {
            return;
        }

        var (playwright, browser) = await _started.Value;
        try
        {
            // A browser that will not close must not hold up the end of the run; the driver kills it as it stops.
            await browser.CloseAsync().WaitAsync(StepTimeout);
        }
        finally
        {
            playwright.Dispose();
        }
    }

    /// <summary>The folder of GoChatAi.sln above the test output (ignored by git there); the output itself if the tests were copied away from it.</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "GoChatAi.sln")))
            {
                return folder.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }

    private static async Task<(IPlaywright, IBrowser)> StartAsync()
    {
        var executable = ExecutablePath;
        // Said in one sentence here, rather than as Playwright's own error, which suggests `playwright install`.
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {executable}, which is missing: install it with `apt-get install chromium` (as .ci/run does) or set {ExecutableVariable} to a Chromium or Chrome executable.");
        }

        // Expect(...) waits 5 s by default, short for a machine shared with the whole system; one timeout for every step.
        Assertions.SetDefaultExpectTimeout((float)StepTimeout.TotalMilliseconds);

        // The driver is the Node.js and Playwright package that the NuGet package's build targets copy to the
        // test output's .playwright folder; it talks to Chromium over a pipe, not over the network.
        var playwright = await Playwright.CreateAsync().WaitAsync(StepTimeout);
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = s_switches,
                Timeout = (float)StepTimeout.TotalMilliseconds,
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}

/// <summary>
/// One test's browser context and page. Requests to anything but this machine are refused before they leave
/// Chromium: the system under test must work offline, and this network answers nothing else.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _refusedRequests;
    private readonly string _testName;

    private BrowserSession(IBrowserContext context, IPage page, string testName, System.Collections.Concurrent.ConcurrentQueue<string> refusedRequests)
    {
        Context = context;
        Page = page;
        _testName = testName;
        _refusedRequests = refusedRequests;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>The addresses the page asked for off this machine (refused), in order.</summary>
    public IReadOnlyCollection<string> RefusedRequests => _refusedRequests;

    internal static async Task<BrowserSession> OpenAsync(IBrowserContext context, string testName, CancellationToken cancellationToken)
    {
        // Routing covers HTTP(S) requests, not WebSockets (Blazor's circuit goes to its own server, on this machine).
        var refused = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await context.RouteAsync(url => !IsOnThisMachine(url), route =>
        {
            refused.Enqueue(route.Request.Url);
            return route.AbortAsync("blockedbyclient");
        }).WaitAsync(cancellationToken);
        var page = await context.NewPageAsync().WaitAsync(cancellationToken);
        return new BrowserSession(context, page, testName, refused);
    }

    /// <summary>Runs a test's steps on the page; if they fail, saves a screenshot named after the test (<c>&lt;test&gt;.failure.png</c>) and lets the failure through.</summary>
    public async Task RunAsync(Func<IPage, Task> steps)
    {
        try
        {
            await steps(Page);
        }
        catch
        {
            try
            {
                await SaveScreenshotAsync($"{_testName}.failure", fullPage: true);
            }
#pragma warning disable CA1031 // The test's own failure is the one to report, not a screenshot's.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            throw;
        }
    }

    /// <summary>Saves what the window shows (or the whole page) as <c>&lt;name&gt;.png</c> in <see cref="BrowserFixture.ScreenshotDirectory"/>, and returns its path.</summary>
    public async Task<string> SaveScreenshotAsync(string name, bool fullPage = false, CancellationToken cancellationToken = default)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var fileName = new string([.. name.Select(c => invalid.Contains(c) ? '_' : c)]) + ".png";
        var path = Path.Combine(BrowserFixture.ScreenshotDirectory, fileName);
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage }).WaitAsync(cancellationToken);
        return path;
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();

    private static bool IsOnThisMachine(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme is "data" or "blob" or "about" || uri.IsLoopback);
}
