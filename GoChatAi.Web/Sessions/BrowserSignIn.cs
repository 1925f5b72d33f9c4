using GoChatAi.Contracts.Auth.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace GoChatAi.Web.Sessions;

/// <summary>
/// Signing a browser in, up and out: the AuthService checks the person and issues the tokens, the tokens are kept in
/// the <see cref="WebSessionStore"/>, and the browser gets a cookie that names the session (HttpOnly, encrypted).
/// Each call carries the browser's address, so that the AuthService throttles the person's attempts, not the web app's.
/// </summary>
public sealed class BrowserSignIn(AuthService.AuthServiceClient authService, IWebSessionStore sessions)
{
    public async Task SignInAsync(HttpContext context, string email, string password)
    {
        var response = await authService.SignInAsync(new SignInRequest { Email = email, Password = password }, ForwardedFrom(context));
        await StartSessionAsync(context, response.User, response.Tokens);
    }

    public async Task SignUpAsync(HttpContext context, string name, string email, string password)
    {
        var response = await authService.SignUpAsync(new SignUpRequest { Name = name, Email = email, Password = password }, ForwardedFrom(context));
        await StartSessionAsync(context, response.User, response.Tokens);
    }

    /// <summary>Ends the session at the AuthService (its tokens stop working everywhere), here, and in the browser.</summary>
    public async Task SignOutAsync(HttpContext context)
    {
        if (WebSessionClaims.SessionIdOf(context.User) is { } sessionId && await sessions.FindAsync(sessionId) is { } session)
        {
            try
            {
                var headers = new Metadata { { "authorization", "Bearer " + session.AccessToken } };
                await authService.SignOutAsync(new SignOutRequest { RefreshToken = session.RefreshToken },
                    new CallOptions(headers, cancellationToken: context.RequestAborted));
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.Unauthenticated)
            {
                // Already ended at the AuthService (expired or revoked): nothing left to end there.
            }

            await sessions.DeleteAsync(sessionId);
        }

        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    private async Task StartSessionAsync(HttpContext context, User user, TokenPair tokens)
    {
        var session = WebSession.From(tokens);
        var sessionId = await sessions.CreateAsync(session);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            WebSessionClaims.Principal(user, sessionId, CookieAuthenticationDefaults.AuthenticationScheme),
            new AuthenticationProperties { IsPersistent = true, ExpiresUtc = session.RefreshTokenExpiresAt });
    }

    private static CallOptions ForwardedFrom(HttpContext context)
    {
        var headers = new Metadata();
        if (context.Connection.RemoteIpAddress is { } address)
        {
            headers.Add("x-forwarded-for", address.ToString());
        }

        return new CallOptions(headers, cancellationToken: context.RequestAborted);
    }
}
