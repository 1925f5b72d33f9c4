using GoChatAi.Contracts.Auth.V1;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.Web.Backend;
using GoChatAi.Web.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using StackExchange.Redis;

namespace GoChatAi.Web.Extensions;

public static class WebExtensions
{
    /// <summary>The gRPC clients of both services, found through service discovery, and the pages' view of them.</summary>
    public static void AddBackendClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddServiceClient<AuthService.AuthServiceClient>("authservice");
        builder.Services.AddServiceClient<ChatService.ChatServiceClient>("chatservice");
        // Shared conversations are read without an account.
        builder.Services.AddServiceClient<SharedConversationService.SharedConversationServiceClient>("chatservice");
        builder.Services.AddScoped<ChatBackend>();
    }

    /// <summary>
    /// The pages, the chat's interactive over one circuit per open page. A circuit takes messages of up to 512 KiB
    /// (SignalR's default is 32 KiB): a message the ChatService takes (32,000 characters, up to four bytes each in
    /// UTF-8, more where JSON escapes them) must reach it, to be stored or refused with its reason, not cut the page off.
    /// </summary>
    public static void AddChatPages(this IHostApplicationBuilder builder) =>
        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = 512 * 1024);

    /// <summary>
    /// A gRPC client of a service's gRPC endpoint, found through service discovery. Long-lived streams (an answer, a
    /// conversation's feed) must not be cut by the default HTTP resilience pipeline's timeouts, nor a started answer be
    /// retried: gRPC calls get none of it. A call the page cancels (it closed, or moved on) ends as .NET's
    /// cancellation, not as a failed call.
    /// </summary>
    private static void AddServiceClient<TClient>(this IServiceCollection services, string service) where TClient : class =>
#pragma warning disable EXTEXP0001 // Experimental in Microsoft.Extensions.Http.Resilience 10: the way to take the defaults off one client.
        services.AddGrpcClient<TClient>(client => client.Address = new Uri($"http://_grpc.{service}"))
            .ConfigureChannel(channel => channel.ThrowOperationCanceledOnCancellation = true)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

    /// <summary>
    /// Sign-in with a cookie that names a server-side session (<see cref="WebSessionStore"/>), in Redis with the
    /// keys that encrypt the cookies and the forms' anti-forgery tokens, so that every replica reads them.
    /// </summary>
    public static void AddWebSessions(this IHostApplicationBuilder builder)
    {
        builder.AddCache();
        builder.Services.AddDataProtection().SetApplicationName("gochatai-web");
        builder.Services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>((keys, redis) =>
            keys.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), "gochatai:web:data-protection-keys"));
        // Data protection warns that the keys are kept unencrypted: they sit in Redis beside the sessions' tokens,
        // which they protect no more than Redis itself does. Said once here instead of at every start.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);

        builder.Services.AddSingleton<IWebSessionStore, WebSessionStore>();
        builder.Services.AddScoped<BrowserSignIn>();
        builder.Services.AddScoped<SessionTokens>();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "gochatai.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = "/signin";
                cookie.LogoutPath = "/signout";
                cookie.AccessDeniedPath = "/signin";
                cookie.SlidingExpiration = false;
                cookie.Events.OnValidatePrincipal = RejectEndedSessionsAsync;
            });
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
    }

    /// <summary>A cookie whose session has ended (signed out on another page, revoked, expired) signs the browser out.</summary>
    private static async Task RejectEndedSessionsAsync(CookieValidatePrincipalContext context)
    {
        var store = context.HttpContext.RequestServices.GetRequiredService<IWebSessionStore>();
        if (context.Principal is null || WebSessionClaims.SessionIdOf(context.Principal) is not { } sessionId
            || await store.FindAsync(sessionId) is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
