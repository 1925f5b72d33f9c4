using Grpc.Core;
using GoChatAi.Contracts.Auth.V1;
using Microsoft.AspNetCore.Components.Authorization;

namespace GoChatAi.Web.Sessions;

/// <summary>
/// The access token a circuit (one open page) calls the services with, renewed with the refresh token a minute before
/// it expires. Renewal is serialised per session across the pages of this replica and re-reads the store first, so
/// that two tabs never spend the same single-use refresh token (which the AuthService would take for a replay and
/// end the session for); across replicas the AuthService's own race window covers the rare overlap.
/// </summary>
public sealed class SessionTokens(
    AuthenticationStateProvider authenticationState,
    IWebSessionStore store,
    AuthService.AuthServiceClient authService,
    TimeProvider timeProvider)
{
    private static readonly SemaphoreSlim[] Renewals = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    private string? _sessionId;
    private WebSession? _session;

    /// <summary>A valid access token of the signed-in person; <see cref="SessionEndedException"/> when there is none.</summary>
    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_session is { } current && !current.NeedsRenewalAt(timeProvider.GetUtcNow()))
        {
            return current.AccessToken;
        }

        var sessionId = await SessionIdAsync();
        var gate = Renewals[(uint)StringComparer.Ordinal.GetHashCode(sessionId) % (uint)Renewals.Length];
        await gate.WaitAsync(cancellationToken);
        try
        {
            var session = await store.FindAsync(sessionId) ?? throw new SessionEndedException();
            if (session.NeedsRenewalAt(timeProvider.GetUtcNow()))
            {
                session = await RenewAsync(sessionId, session, cancellationToken);
            }

            _session = session;
            return session.AccessToken;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The services refused the session's token (revoked, the user deleted): it is forgotten here too.</summary>
    public async Task EndAsync()
    {
        _session = null;
        await store.DeleteAsync(await SessionIdAsync());
    }

    private async Task<WebSession> RenewAsync(string sessionId, WebSession session, CancellationToken cancellationToken)
    {
        try
        {
            var response = await authService.RefreshTokenAsync(new RefreshTokenRequest { RefreshToken = session.RefreshToken },
                cancellationToken: cancellationToken);
            var renewed = WebSession.From(response.Tokens);
            await store.SaveAsync(sessionId, renewed);
            return renewed;
        }
        catch (RpcException exception) when (exception.StatusCode is StatusCode.Unauthenticated or StatusCode.InvalidArgument)
        {
            await store.DeleteAsync(sessionId);
            throw new SessionEndedException();
        }
    }

    private async Task<string> SessionIdAsync() =>
        _sessionId ??= WebSessionClaims.SessionIdOf((await authenticationState.GetAuthenticationStateAsync()).User)
            ?? throw new SessionEndedException();
}
