using System.Net;
using System.Text.RegularExpressions;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Tests.Infrastructure;
using Microsoft.Playwright;

namespace GoChatAi.Tests.EndToEnd;

/// <summary>
/// The chat in a real browser (Debian's Chromium, driven by Playwright) against the running system: a person signs
/// up, chats with a streamed answer, stops one, reloads in the middle of one, meets a hostile answer, and signs out.
/// Where the page's claim is about what is stored, the test reads it back from the ChatService over gRPC.
/// </summary>
[Collection(GoChatAiAppCollection.Name)]
public sealed partial class WebChatTests(GoChatAiAppFixture app, BrowserFixture browser)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    private Uri Web => app.App.GetEndpoint("web", "http");

    [Fact]
    public async Task A_person_signs_up_chats_with_a_streamed_answer_and_signs_out()
    {
        using var deadline = new CancellationTokenSource(TestTimeout);
        await using var session = await browser.OpenPageAsync(nameof(A_person_signs_up_chats_with_a_streamed_answer_and_signs_out), deadline.Token);
        await session.RunAsync(async page =>
        {
            await page.GotoAsync(new Uri(Web, "/").ToString());
            // Not signed in: the chat sends the browser to sign in, and from there to sign up.
            await Assertions.Expect(page).ToHaveURLAsync(SignInAddress());
            await page.GetByRole(AriaRole.Link, new() { Name = "Create one" }).ClickAsync();
            await page.GetByLabel("Name").FillAsync("Ada");
            await page.GetByLabel("Email").FillAsync(TestAccounts.NewEmail());
            await page.GetByLabel("Password").FillAsync(TestAccounts.Password);
            await session.SaveScreenshotAsync("sign-up");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();

            var answer = page.Locator("article.assistant").Last;
            await SendAsync(page, "Hello there [[devmodel: tokens=40; slow=40ms]]");
            // Streamed: text is on the screen while the answer is still being written.
            await Assertions.Expect(answer).ToHaveAttributeAsync("data-status", "generating");
            await Assertions.Expect(answer.Locator(".markdown")).Not.ToBeEmptyAsync();
            await Assertions.Expect(answer).ToHaveAttributeAsync("data-status", "generating");
            await Assertions.Expect(answer).ToHaveAttributeAsync("data-status", "done");
            var shown = await answer.Locator(".markdown").InnerTextAsync();
            Assert.StartsWith("(GoChatAi stand-in model) You said: \"Hello there\"", shown, StringComparison.Ordinal);
            Assert.Equal(40, shown.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            // The conversation has an address of its own, and is in the list.
            await Assertions.Expect(page).ToHaveURLAsync(ConversationAddress());
            await Assertions.Expect(page.Locator(".conversation-list li")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator(".usage")).ToContainTextAsync("Today:");
            await session.SaveScreenshotAsync("chat");

            // Signing out ends the session on the server: the old cookie, replayed, opens nothing.
            var cookies = await session.Context.CookiesAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(SignInAddress());
            await session.Context.AddCookiesAsync(cookies.Select(c => new Microsoft.Playwright.Cookie
            {
                Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, SameSite = c.SameSite,
            }));
            await page.GotoAsync(new Uri(Web, "/").ToString());
            await Assertions.Expect(page).ToHaveURLAsync(SignInAddress());
        });

        // No secret in the web app's log: not the password, not a token.
        var logs = (await app.ConsoleLogsAsync("web"))["web"];
        Assert.DoesNotContain(logs, line => line.Contains(TestAccounts.Password, StringComparison.Ordinal));
        Assert.DoesNotContain(logs, line => line.Contains("eyJ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_ends_the_answer_and_keeps_what_came()
    {
        await SignedInAsync(nameof(Stop_ends_the_answer_and_keeps_what_came), async (page, user, session) =>
        {
            await SendAsync(page, "Take your time [[devmodel: tokens=400; slow=50ms]]");
            var answer = page.Locator("article.assistant").Last;
            await Assertions.Expect(answer.Locator(".markdown")).Not.ToBeEmptyAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();

            await Assertions.Expect(answer).ToHaveAttributeAsync("data-status", "cancelled");
            await Assertions.Expect(answer).ToContainTextAsync("Stopped.");
            var shown = (await answer.Locator(".markdown").InnerTextAsync()).Trim();
            var stored = (await user.HistoryAsync(ConversationIdOf(page))).Last();
            Assert.Equal((FinishReason.Cancelled, shown), (stored.FinishReason, stored.Content.Trim()));
            Assert.InRange(shown.Split(' ').Length, 1, 399);
        });
    }

    [Fact]
    public async Task A_reload_in_the_middle_of_an_answer_picks_it_up_and_shows_it_once()
    {
        await SignedInAsync(nameof(A_reload_in_the_middle_of_an_answer_picks_it_up_and_shows_it_once), async (page, user, session) =>
        {
            await SendAsync(page, "Keep going [[devmodel: tokens=120; slow=40ms]]");
            var answer = page.Locator("article.assistant").Last;
            await Assertions.Expect(answer.Locator(".markdown")).Not.ToBeEmptyAsync();

            await page.ReloadAsync();
            await Assertions.Expect(answer).ToHaveAttributeAsync("data-status", "generating");
            await Assertions.Expect(answer).ToHaveAttributeAsync("data-status", "done");

            // Every word once, in order: exactly what the ChatService stored.
            var shown = (await answer.Locator(".markdown").InnerTextAsync()).Trim();
            var stored = (await user.HistoryAsync(ConversationIdOf(page))).Last();
            Assert.Equal(stored.Content.Trim(), shown);
            Assert.Equal(120, shown.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            await Assertions.Expect(page.Locator("article.assistant")).ToHaveCountAsync(1);
        });
    }

    [Fact]
    public async Task A_hostile_answer_is_shown_as_text_and_runs_nothing()
    {
        var dialogs = new List<string>();
        var cspViolations = new List<string>();
        await SignedInAsync(nameof(A_hostile_answer_is_shown_as_text_and_runs_nothing), async (page, user, session) =>
        {
            page.Dialog += async (_, dialog) =>
            {
                dialogs.Add(dialog.Message);
                await dialog.DismissAsync();
            };
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                {
                    cspViolations.Add(message.Text);
                }
            };

            // The stand-in echoes the message, so the answer carries a script, an image with a handler and a script link.
            await SendAsync(page, "Hostile <script>alert('script')</script> <img src=x onerror=alert('img')> [click](javascript:alert('link'))");
            var answer = page.Locator("article.assistant").Last;
            await Assertions.Expect(answer).ToHaveAttributeAsync("data-status", "done");

            await Assertions.Expect(answer).ToContainTextAsync("<script>alert('script')</script>");
            await Assertions.Expect(answer).ToContainTextAsync("<img src=x onerror=alert('img')>");
            Assert.Equal(0, await page.Locator(".transcript script, .transcript img, .transcript [onerror]").CountAsync());
            Assert.Equal(0, await page.Locator("a[href^='javascript:' i]").CountAsync());
            // The link's text is there, as text.
            await Assertions.Expect(answer.Locator(".markdown")).ToContainTextAsync("click");
            await session.SaveScreenshotAsync("hostile-answer");
        });

        Assert.Empty(dialogs);
        Assert.Empty(cspViolations);
    }

    [Fact]
    public async Task A_message_too_long_is_refused_with_the_reason_and_kept_in_the_box()
    {
        await SignedInAsync(nameof(A_message_too_long_is_refused_with_the_reason_and_kept_in_the_box), async (page, user, session) =>
        {
            var tooLong = new string('x', 32_001);
            await SendAsync(page, tooLong);

            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The message must be at most 32000 characters.");
            await Assertions.Expect(page.GetByLabel("Message", new() { Exact = true })).ToHaveValueAsync(tooLong);
            Assert.Equal(0, await page.Locator("article.turn").CountAsync());

            // Nothing was stored.
            var conversations = await user.Grpc.ListConversationsAsync(new ListConversationsRequest(), user.Options());
            Assert.Empty(conversations.Conversations);
        });
    }

    [Fact]
    public async Task A_session_revoked_elsewhere_sends_the_person_back_to_sign_in()
    {
        await SignedInAsync(nameof(A_session_revoked_elsewhere_sends_the_person_back_to_sign_in), async (page, user, session) =>
        {
            // "Sign out everywhere" from another device ends the browser's session too.
            var accounts = new TestAccounts(app);
            var other = await accounts.Auth.SignInAsync(new SignInRequest { Email = user.Email, Password = TestAccounts.Password });
            await accounts.Auth.SignOutAsync(new SignOutRequest { AllSessions = true }, TestAccounts.Bearer(other.Tokens));

            await SendAsync(page, "Are you still there?");
            await Assertions.Expect(page).ToHaveURLAsync(SignInAddress());
        });
    }

    [Fact]
    public async Task Answers_are_regenerated_and_edited_into_versions_and_conversations_pinned_found_and_shared()
    {
        await SignedInAsync(nameof(Answers_are_regenerated_and_edited_into_versions_and_conversations_pinned_found_and_shared), async (page, user, session) =>
        {
            await SendAsync(page, "Tell me about dragons");
            var answer = page.Locator("article.assistant").Last;
            await Assertions.Expect(answer).ToHaveAttributeAsync("data-status", "done");

            await answer.GetByRole(AriaRole.Button, new() { Name = "Regenerate" }).ClickAsync();
            await Assertions.Expect(answer.Locator(".versions")).ToContainTextAsync("2 / 2");
            var question = page.Locator("article.user").Last;
            await question.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
            await question.GetByLabel("Edit your message").FillAsync("Tell me about castles");
            await question.GetByLabel("Edit your message").PressAsync("Enter");
            await Assertions.Expect(question.Locator(".versions")).ToContainTextAsync("2 / 2");
            await Assertions.Expect(answer).ToContainTextAsync("castles");
            await question.GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
            await Assertions.Expect(question.Locator(".text")).ToHaveTextAsync("Tell me about dragons");
            await Assertions.Expect(answer.Locator(".versions")).ToContainTextAsync("2 / 2");

            var item = page.Locator(".conversation-list li").First;
            await item.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Pin ") }).ClickAsync();
            await Assertions.Expect(page.Locator(".conversation-list h2").First).ToHaveTextAsync("Pinned");

            await page.GetByLabel("Search your conversations").FillAsync("castles");
            await page.GetByLabel("Search your conversations").PressAsync("Enter");
            await Assertions.Expect(page.Locator(".search-results mark").First).ToHaveTextAsync(new Regex("castles", RegexOptions.IgnoreCase));

            await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
            var link = await page.GetByLabel(new Regex("Anyone with this link")).InputValueAsync();
            await session.SaveScreenshotAsync("branches-pins-search-share");

            // The shared page needs no account: a fresh context has no cookie.
            await using var reader = await browser.OpenPageAsync("shared-reader");
            await reader.Page.GotoAsync(link);
            await Assertions.Expect(reader.Page.Locator("article.turn")).ToHaveCountAsync(2);
            await Assertions.Expect(reader.Page.Locator("article.user")).ToHaveTextAsync("Tell me about dragons");
            await reader.SaveScreenshotAsync("shared-conversation");
        });
    }

    [Fact]
    public async Task A_long_conversation_opens_at_its_newest_messages_and_shows_earlier_ones_on_request()
    {
        await SignedInAsync(nameof(A_long_conversation_opens_at_its_newest_messages_and_shows_earlier_ones_on_request), async (page, user, session) =>
        {
            // 130 messages, imported: question 1, answer 1, ... question 65, answer 65.
            var at = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
            var conversation = new ExportedConversation { Conversation = new Conversation { Id = Guid.NewGuid().ToString(), Title = "long", CreatedAt = at, UpdatedAt = at } };
            conversation.Messages.AddRange(Enumerable.Range(1, 130).Select(i => new Message
            {
                Id = $"m{i}",
                ParentId = i == 1 ? "" : $"m{i - 1}",
                Role = i % 2 == 1 ? Role.User : Role.Assistant,
                Content = i % 2 == 1 ? $"question {(i + 1) / 2}" : $"answer {i / 2}",
                CreatedAt = at,
            }));
            var file = new ConversationArchive { Format = "gochatai.conversations", Version = 1, ExportedAt = at, Conversations = { conversation } };
            var report = await user.Archive.ImportConversationsAsync(new ImportConversationsRequest
            {
                File = Google.Protobuf.ByteString.CopyFromUtf8(Google.Protobuf.JsonFormatter.Default.Format(file)),
            }, user.Options());

            await page.GotoAsync(new Uri(Web, $"/c/{report.Items[0].ConversationId}").ToString());
            await Assertions.Expect(page.Locator("article.turn")).ToHaveCountAsync(100);
            await Assertions.Expect(page.Locator("article.turn .text").First).ToHaveTextAsync("question 16");

            await page.GetByRole(AriaRole.Button, new() { Name = "Earlier messages" }).ClickAsync();
            await Assertions.Expect(page.Locator("article.turn")).ToHaveCountAsync(130);
            await Assertions.Expect(page.Locator("article.turn .text").First).ToHaveTextAsync("question 1");
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Earlier messages" })).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task Pages_forbid_framing_and_foreign_scripts_and_forms_need_their_anti_forgery_token()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Web };

        using var signIn = await http.GetAsync("/signin");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var policy = string.Join(";", signIn.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(signIn.Headers.GetValues("X-Frame-Options")));

        // A form posted from elsewhere has no anti-forgery token: refused, nobody signed in or out.
        using var forged = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin",
            ["Input.Email"] = GoChatAiAppFixture.AdminEmail,
            ["Input.Password"] = GoChatAiAppFixture.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("gochatai.session", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_session_cookie_is_out_of_scripts_reach_and_signing_out_needs_the_pages_own_form()
    {
        var user = await ChatUser.SignUpAsync(app);
        var jar = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = jar }) { BaseAddress = Web };

        // Signed in as the form does it: with the anti-forgery token the page gave.
        var form = await http.GetStringAsync("/signin");
        var token = AntiforgeryField().Match(form).Groups["token"].Value;
        using var signIn = await http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = user.Email,
            ["Input.Password"] = TestAccounts.Password,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gochatai.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        // The cookie names a session; the tokens themselves never reach the browser.
        Assert.DoesNotContain("eyJ", cookie, StringComparison.Ordinal);

        // A sign-out posted without the page's token (from another site's form) is refused and signs nobody out.
        using var forged = await http.PostAsync("/signout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        using var stillIn = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
    }

    private static Regex SignInAddress() => SignInPattern();

    private static Regex ConversationAddress() => ConversationPattern();

    private static string ConversationIdOf(IPage page) => ConversationPattern().Match(page.Url).Groups["id"].Value;

    /// <summary>A new user, signed in through the page in a browser context of its own, then the test's steps (a screenshot if they fail).</summary>
    private async Task SignedInAsync(string testName, Func<IPage, ChatUser, BrowserSession, Task> steps)
    {
        using var deadline = new CancellationTokenSource(TestTimeout);
        var user = await ChatUser.SignUpAsync(app);
        await using var session = await browser.OpenPageAsync(testName, deadline.Token);
        await session.RunAsync(async page =>
        {
            await SignInAsync(page, user);
            await steps(page, user, session);
        });
    }

    private async Task SignInAsync(IPage page, ChatUser user)
    {
        await page.GotoAsync(new Uri(Web, "/signin").ToString());
        await page.GetByLabel("Email").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(TestAccounts.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Message", new() { Exact = true })).ToBeEnabledAsync();
    }

    /// <summary>Types the message and presses Enter, as a person does.</summary>
    private static async Task SendAsync(IPage page, string message)
    {
        var box = page.GetByLabel("Message", new() { Exact = true });
        await Assertions.Expect(box).ToBeEnabledAsync();
        await box.FillAsync(message);
        await box.PressAsync("Enter");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("/signin(\\?.*)?$")]
    private static partial Regex SignInPattern();

    [GeneratedRegex("/c/(?<id>[0-9a-f-]{36})$")]
    private static partial Regex ConversationPattern();
}
