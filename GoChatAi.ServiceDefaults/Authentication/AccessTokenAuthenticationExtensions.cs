using System.Security.Claims;
using GoChatAi.ServiceDefaults.Authentication;
using GoChatAi.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How every GoChatAi service accepts access tokens: JWTs validated locally (ES256 only, <c>typ: at+jwt</c>,
/// issuer, audience, lifetime with at most 30 s of skew) against the AuthService's JWKS, found through service
/// discovery, and refused once revoked (the Redis revocation list). A token exchanged for a personal API key acts in
/// chat only: every service refuses it (PERMISSION_DENIED) unless it says it serves API keys
/// (<see cref="ApiKeyTokens"/>).
/// </summary>
public static partial class AccessTokenAuthenticationExtensions
{
    public static TBuilder AddAccessTokenAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<AccessTokenOptions>()
            .BindConfiguration(AccessTokenOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<TokenRevocationList>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AccessTokenOptions>, IHttpClientFactory>((jwt, tokenOptions, httpClients) =>
            {
                var tokens = tokenOptions.Value;
                jwt.MapInboundClaims = false;
                // Nothing reads the token back from the call's authentication properties, where it would stay for the
                // whole call (a streamed answer's minutes included).
                jwt.SaveToken = false;
                jwt.Authority = tokens.Authority ?? tokens.Issuer;
                jwt.Audience = tokens.Audience;
                // Inside the cluster the AuthService is reached by name over plain HTTP; TLS is the mesh's job there.
                jwt.RequireHttpsMetadata = jwt.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
                jwt.Backchannel = httpClients.CreateClient("jwks");
                // An unknown kid triggers a JWKS refresh, but never more than one per interval.
                jwt.RefreshInterval = TimeSpan.FromSeconds(30);
                jwt.TokenValidationParameters = CreateValidationParameters(tokens);
                jwt.Events = new JwtBearerEvents
                {
                    OnTokenValidated = RejectRevokedTokensAsync,
                    OnChallenge = WriteChallengeAsync,
                    OnForbidden = WriteForbiddenAsync,
                };
            });
        builder.Services.AddAuthorizationBuilder().SetDefaultPolicy(ApiKeyTokens.RefusingPolicy);
        return builder;
    }

    public static TokenValidationParameters CreateValidationParameters(AccessTokenOptions tokens) => new()
    {
        ValidIssuer = tokens.Issuer,
        ValidAudience = tokens.Audience,
        ValidAlgorithms = [AccessTokenClaims.Algorithm],
        ValidTypes = [AccessTokenClaims.TokenType],
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        RequireAudience = true,
        ValidateIssuerSigningKey = true,
        TryAllIssuerSigningKeys = false,
        ClockSkew = tokens.ClockSkew,
        NameClaimType = AccessTokenClaims.Subject,
        RoleClaimType = AccessTokenClaims.Role,
    };

    private static async Task RejectRevokedTokensAsync(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        var tokenId = principal.FindFirstValue(AccessTokenClaims.TokenId);
        var userId = principal.FindFirstValue(AccessTokenClaims.Subject);
        if (tokenId is null || userId is null || context.SecurityToken.ValidFrom == DateTime.MinValue)
        {
            context.Fail("The token lacks jti, sub or iat.");
            return;
        }

        try
        {
            var revocations = context.HttpContext.RequestServices.GetRequiredService<TokenRevocationList>();
            if (await revocations.IsRevokedAsync(tokenId, principal.FindFirstValue(AccessTokenClaims.SessionId), userId,
                    IssuedAt(principal, context.SecurityToken.ValidFrom)))
            {
                context.Fail("The token has been revoked.");
                return;
            }

            context.Principal = CallerPrincipal(principal);
        }
        catch (Exception exception) when (DependencyFailure.Of(exception) is { } dependency)
        {
            // Fail closed: without the revocation list a revoked token cannot be told from a valid one. The
            // challenge answers UNAVAILABLE, not UNAUTHENTICATED: the token may be fine, and signing in again won't help.
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(TokenRevocationList));
            LogRevocationListUnavailable(logger, exception, dependency);
            context.Fail(exception);
        }
    }

    /// <summary>The claims the services read about their caller: every call keeps its principal to its end.</summary>
    private static readonly HashSet<string> s_callerClaimTypes =
    [
        AccessTokenClaims.Subject, AccessTokenClaims.TokenId, AccessTokenClaims.SessionId, AccessTokenClaims.IssuedAt,
        AccessTokenClaims.Expires, AccessTokenClaims.Role, AccessTokenClaims.ApiKeyId,
    ];

    /// <summary>
    /// The caller's claims in an identity of their own (the claims are copied into it), without the validated token,
    /// its parsed payload and the claims no one reads after validation (<c>iss</c>, <c>aud</c>, <c>nbf</c>): under
    /// thousands of streamed answers those were some 3 KiB a call, held for the call's whole length.
    /// </summary>
    public static ClaimsPrincipal CallerPrincipal(ClaimsPrincipal validated)
    {
        var identity = (ClaimsIdentity)validated.Identity!;
        return new ClaimsPrincipal(new ClaimsIdentity(identity.Claims.Where(claim => s_callerClaimTypes.Contains(claim.Type)),
            identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType));
    }

    private static DateTimeOffset IssuedAt(ClaimsPrincipal principal, DateTime validFrom) =>
        long.TryParse(principal.FindFirstValue(AccessTokenClaims.IssuedAt), out var iat)
            ? DateTimeOffset.FromUnixTimeSeconds(iat)
            : new DateTimeOffset(validFrom, TimeSpan.Zero);

    /// <summary>
    /// A refused token is answered like every other error, in the caller's protocol: UNAUTHENTICATED (401), or
    /// UNAVAILABLE (503) when the revocation list could not be read, or the failure's own error when authentication
    /// failed with one (an API key throttled: RESOURCE_EXHAUSTED).
    /// </summary>
    private static async Task WriteChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        if (DependencyFailure.Of(context.AuthenticateFailure) is not null)
        {
            await ServiceErrorHttpResponse.WriteAsync(context.Response, DependencyFailure.ToServiceException(), context.HttpContext.RequestAborted);
            return;
        }

        // A failure that says what it is (an API key refused, or throttled) is answered as such.
        var refusal = context.AuthenticateFailure as ServiceException ?? ServiceException.Unauthenticated();
        if (refusal.Kind == ErrorKind.Unauthenticated)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await ServiceErrorHttpResponse.WriteAsync(context.Response, refusal, context.HttpContext.RequestAborted);
    }

    /// <summary>An authenticated caller that a policy refuses: PERMISSION_DENIED (403), saying why when it is an API key.</summary>
    private static Task WriteForbiddenAsync(ForbiddenContext context) =>
        ServiceErrorHttpResponse.WriteAsync(context.Response,
            ApiKeyTokens.IsApiKeyToken(context.HttpContext.User)
                ? ServiceException.PermissionDenied("An API key acts only for chat; this needs an access token from a sign-in.")
                : ServiceException.PermissionDenied(),
            context.HttpContext.RequestAborted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The token revocation list is unavailable ({Dependency}); refusing the token for now")]
    private static partial void LogRevocationListUnavailable(ILogger logger, Exception exception, string dependency);
}
