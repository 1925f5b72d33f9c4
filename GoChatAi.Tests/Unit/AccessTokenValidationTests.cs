using System.Security.Claims;
using System.Security.Cryptography;
using GoChatAi.ServiceDefaults.Authentication;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GoChatAi.Tests.Unit;

/// <summary>The validation every resource server applies (RFC 8725, RFC 9068), with a key of the test's own.</summary>
public sealed class AccessTokenValidationTests : IDisposable
{
    private static readonly AccessTokenOptions Options = new();
    private readonly ECDsa _ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsaSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public AccessTokenValidationTests() => _key = new ECDsaSecurityKey(_ecdsa) { KeyId = "test-key" };

    [Fact]
    public async Task A_well_formed_token_passes()
    {
        Assert.True((await ValidateAsync(Descriptor())).IsValid);
    }

    [Fact]
    public async Task An_expired_token_is_refused_beyond_30_seconds_of_skew()
    {
        var now = DateTime.UtcNow;
        var justExpired = Descriptor(issuedAt: now.AddMinutes(-16), expires: now.AddSeconds(-10));
        var longExpired = Descriptor(issuedAt: now.AddMinutes(-16), expires: now.AddSeconds(-40));

        Assert.True((await ValidateAsync(justExpired)).IsValid);
        Assert.False((await ValidateAsync(longExpired)).IsValid);
    }

    [Fact]
    public async Task A_token_not_yet_valid_is_refused()
    {
        var now = DateTime.UtcNow;
        var descriptor = Descriptor(issuedAt: now, expires: now.AddMinutes(15));
        descriptor.NotBefore = now.AddMinutes(5);

        Assert.False((await ValidateAsync(descriptor)).IsValid);
    }

    [Fact]
    public async Task A_token_without_expiry_is_refused()
    {
        var descriptor = Descriptor();
        descriptor.Expires = null;

        Assert.False((await ValidateAsync(descriptor)).IsValid);
    }

    [Theory]
    [InlineData("issuer")]
    [InlineData("audience")]
    [InlineData("typ")]
    public async Task A_foreign_issuer_audience_or_token_type_is_refused(string what)
    {
        var descriptor = Descriptor();
        switch (what)
        {
            case "issuer": descriptor.Issuer = "https://evil.example"; break;
            case "audience": descriptor.Audience = "another-api"; break;
            case "typ": descriptor.TokenType = "JWT"; break; // an ID token or any other JWT
        }

        Assert.False((await ValidateAsync(descriptor)).IsValid);
    }

    [Fact]
    public async Task A_symmetric_algorithm_is_refused_even_with_a_known_key()
    {
        var symmetric = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = "test-key" };
        var descriptor = Descriptor();
        descriptor.SigningCredentials = new SigningCredentials(symmetric, SecurityAlgorithms.HmacSha256);
        var parameters = AccessTokenAuthenticationExtensions.CreateValidationParameters(Options);
        parameters.IssuerSigningKeys = [_key, symmetric];

        Assert.False((await _handler.ValidateTokenAsync(_handler.CreateToken(descriptor), parameters)).IsValid);
    }

    [Fact]
    public async Task A_call_keeps_its_callers_claims_without_the_token()
    {
        var descriptor = Descriptor();
        var userId = (string)descriptor.Claims["sub"];
        descriptor.Claims["sid"] = Guid.NewGuid().ToString();
        descriptor.Claims["role"] = new[] { "user", "admin" };
        descriptor.Claims["api_key_id"] = Guid.NewGuid().ToString();
        var validated = await ValidateAsync(descriptor);

        var caller = AccessTokenAuthenticationExtensions.CallerPrincipal(new ClaimsPrincipal(validated.ClaimsIdentity));

        // Not iss, aud or nbf; and an identity of its own (a plain one: the validated identity holds the token).
        Assert.Equal(["api_key_id", "exp", "iat", "jti", "role", "role", "sid", "sub"], caller.Claims.Select(claim => claim.Type).Order());
        var identity = Assert.IsType<ClaimsIdentity>(caller.Identity);
        Assert.All(caller.Claims, claim => Assert.Same(identity, claim.Subject));
        Assert.True(identity.IsAuthenticated);
        Assert.Equal(userId, identity.Name);
        Assert.True(caller.IsInRole("admin"));
    }

    private Task<TokenValidationResult> ValidateAsync(SecurityTokenDescriptor descriptor)
    {
        var parameters = AccessTokenAuthenticationExtensions.CreateValidationParameters(Options);
        parameters.IssuerSigningKey = _key;
        return _handler.ValidateTokenAsync(_handler.CreateToken(descriptor), parameters);
    }

    private SecurityTokenDescriptor Descriptor(DateTime? issuedAt = null, DateTime? expires = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return new SecurityTokenDescriptor
        {
            Issuer = Options.Issuer,
            Audience = Options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires ?? now.AddMinutes(15),
            TokenType = AccessTokenClaims.TokenType,
            Claims = new Dictionary<string, object> { ["sub"] = Guid.NewGuid().ToString(), ["jti"] = Guid.NewGuid().ToString("N") },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.EcdsaSha256),
        };
    }

    public void Dispose() => _ecdsa.Dispose();
}
