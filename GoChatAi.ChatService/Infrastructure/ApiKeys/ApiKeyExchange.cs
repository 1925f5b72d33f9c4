using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using GoChatAi.Contracts.Auth.V1;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Requests;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GoChatAi.ChatService.Infrastructure.ApiKeys;

/// <summary>
/// Turns a personal API key into the access token it acts with: exchanged at the AuthService once, then kept in
/// memory until the token is nearly spent, so that a key costs no call to the AuthService per request. Revocation
/// needs no call either: the token's session is the key, and the revocation list is checked on every request.
/// </summary>
/// <remarks>
/// Only tokens of keys that worked are kept (by the key's hash, never the key), so strangers cannot fill the memory;
/// refused keys are counted per client address instead, and an address past the limit is refused unchecked.
/// </remarks>
public sealed partial class ApiKeyExchange(
    ApiKeyService.ApiKeyServiceClient authService,
    FailureCounter failures,
    IOptions<ApiKeyOptions> options,
    TimeProvider timeProvider,
    ILogger<ApiKeyExchange> logger)
{
    private const int MaxKept = 100_000;
    private const string InvalidKey = "The API key is invalid, expired or revoked.";

    // Concurrent first requests with one key share one exchange.
    private readonly ConcurrentDictionary<string, Task<ExchangedKey>> _exchanged = new(StringComparer.Ordinal);

    /// <summary>Whether a bearer credential is an API key rather than an access token.</summary>
    public static bool IsApiKey(string credential) => credential.StartsWith("gca_", StringComparison.Ordinal);

    /// <summary>
    /// The access token <paramref name="apiKey"/> acts with now. UNAUTHENTICATED for a key that does not work,
    /// RESOURCE_EXHAUSTED for a client that sent too many of those; a dependency's failure when the AuthService or
    /// Redis cannot answer.
    /// </summary>
    public async Task<string> AccessTokenForAsync(string apiKey, IPAddress? clientAddress, CancellationToken cancellationToken)
    {
        var id = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        while (true)
        {
            if (_exchanged.TryGetValue(id, out var kept) && kept.IsCompletedSuccessfully)
            {
                if (kept.Result.IsFresh(timeProvider.GetUtcNow()))
                {
                    return kept.Result.AccessToken;
                }

                _exchanged.TryRemove(KeyValuePair.Create(id, kept));
                continue;
            }

            var exchange = kept ?? _exchanged.GetOrAdd(id, _ => ExchangeAsync(apiKey, clientAddress));
            try
            {
                var exchanged = await exchange.WaitAsync(cancellationToken);
                if (exchanged.IsFresh(timeProvider.GetUtcNow()))
                {
                    return exchanged.AccessToken;
                }

                // Spent already (a key that ends now): the next exchange says so.
                _exchanged.TryRemove(KeyValuePair.Create(id, exchange));
                throw InvalidKeyRefusal();
            }
            catch when (exchange.IsFaulted || exchange.IsCanceled)
            {
                _exchanged.TryRemove(KeyValuePair.Create(id, exchange));
                throw;
            }
        }
    }

    private async Task<ExchangedKey> ExchangeAsync(string apiKey, IPAddress? clientAddress)
    {
        var settings = options.Value;
        // Counted per client only when the client's own address is known; one bucket for every unknown one would let
        // a stranger's bad keys lock everyone else out.
        var counter = clientAddress is null ? null : "chat:throttle:api-key:" + Convert.ToHexString(SHA256.HashData(clientAddress.GetAddressBytes()), 0, 16);
        if (counter is not null && await failures.RetryAfterAsync([(counter, settings.MaxFailuresPerClient)]) is { } wait)
        {
            throw ServiceException.ResourceExhausted($"Too many invalid API keys; try again in {Math.Ceiling(wait.TotalSeconds)} seconds.", wait);
        }

        ExchangeApiKeyResponse response;
        try
        {
            // Not the caller's cancellation: the exchange is shared by every request that waits for it.
            response = await authService.ExchangeApiKeyAsync(new ExchangeApiKeyRequest { ApiKey = apiKey });
        }
        catch (RpcException refused) when (refused.StatusCode is StatusCode.Unauthenticated or StatusCode.InvalidArgument)
        {
            if (counter is not null)
            {
                await failures.RecordAsync(counter, settings.FailureWindow);
            }

            throw InvalidKeyRefusal();
        }
        catch (RpcException failure)
        {
            LogAuthServiceUnavailable(logger, failure, failure.StatusCode);
            throw new DependencyUnavailableException("AuthService", "API keys cannot be checked: the AuthService did not answer.");
        }

        ForgetSpent();
        return new ExchangedKey(response.AccessToken, timeProvider.GetUtcNow(), response.AccessTokenExpiresAt.ToDateTimeOffset(), response.ApiKeyExpiresAt.ToDateTimeOffset());
    }

    private static ServiceException InvalidKeyRefusal() => new(ErrorKind.Unauthenticated, InvalidKey) { Reason = ErrorReasons.InvalidApiKey };

    /// <summary>Bounds the memory: tokens of keys no longer used go once there are many.</summary>
    private void ForgetSpent()
    {
        if (_exchanged.Count < MaxKept)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        foreach (var (id, kept) in _exchanged)
        {
            if (kept.IsCompleted && (!kept.IsCompletedSuccessfully || !kept.Result.IsFresh(now)))
            {
                _exchanged.TryRemove(KeyValuePair.Create(id, kept));
            }
        }
    }

    /// <summary>
    /// An exchanged token, used for three quarters of its life and then exchanged again; when the key ends with it, to
    /// the key's last moment, after which the key is refused.
    /// </summary>
    private sealed record ExchangedKey(string AccessToken, DateTimeOffset ExchangedAt, DateTimeOffset ExpiresAt, DateTimeOffset KeyExpiresAt)
    {
        public bool IsFresh(DateTimeOffset now) =>
            now < (ExpiresAt < KeyExpiresAt ? ExpiresAt - (ExpiresAt - ExchangedAt) / 4 : KeyExpiresAt);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The AuthService did not exchange an API key ({Status}); refusing the key for now")]
    private static partial void LogAuthServiceUnavailable(ILogger logger, Exception exception, StatusCode status);
}
