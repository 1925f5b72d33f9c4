using System.ComponentModel.DataAnnotations;

namespace GoChatAi.ServiceDefaults.Authentication;

/// <summary>What an access token must say to be accepted, shared by the issuer and every resource server (section "AccessTokens").</summary>
public sealed class AccessTokenOptions
{
    public const string SectionName = "AccessTokens";

    /// <summary>The <c>iss</c> of every token; also where resource servers find the JWKS (through service discovery).</summary>
    [Required]
    public string Issuer { get; set; } = "http://authservice";

    /// <summary>The <c>aud</c> of every token.</summary>
    [Required]
    public string Audience { get; set; } = "gochatai";

    /// <summary>How long an access token lives.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Tolerated clock difference between servers: at most 30 seconds (RFC 8725 practice).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where resource servers fetch the OpenID configuration and JWKS from; defaults to <see cref="Issuer"/>, which
    /// service discovery resolves to the AuthService.
    /// </summary>
    public string? Authority { get; set; }
}
