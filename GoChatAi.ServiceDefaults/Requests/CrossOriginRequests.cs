using System.ComponentModel.DataAnnotations;
using GoChatAi.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GoChatAi.ServiceDefaults.Requests;

/// <summary>
/// The web origins whose pages may call the REST API from a browser (section "Cors"), validated at start-up. None
/// by default: a browser then refuses every other origin's call. Development allows pages served from this
/// machine (appsettings.Development.json), where a web client runs on a port of its own.
/// </summary>
public sealed class CrossOriginOptions : IValidatableObject
{
    public const string SectionName = "Cors";

    /// <summary>Origins allowed exactly, e.g. <c>https://chat.example.com</c> (scheme, host and port; no path).</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Allow any origin on this machine (http://localhost:*, http://127.0.0.1:*, http://[::1]:*).</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>How long a browser may keep a preflight's answer before asking again.</summary>
    public TimeSpan PreflightMaxAge { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedOrigins.Where(o => !IsOrigin(o)))
        {
            yield return new ValidationResult($"'{origin}' is not an origin (scheme://host[:port], with no path).", [nameof(AllowedOrigins)]);
        }
    }

    /// <summary>Whether a page of <paramref name="origin"/> may call the API.</summary>
    public bool Allows(string origin) =>
        AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase)
        || (AllowLoopback && Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.IsLoopback && uri.Scheme is "http" or "https");

    private static bool IsOrigin(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && !text.EndsWith('/') && uri.Query.Length == 0 && uri.Fragment.Length == 0;
}

public static class CrossOriginRequests
{
    /// <summary>
    /// The browser's cross-origin rules for the REST API: preflights answered (and cached) for the allowed origins,
    /// the headers a client sends and reads named. Tokens travel in the Authorization header, never in cookies, so
    /// no credentials are allowed.
    /// </summary>
    public static IHostApplicationBuilder AddCrossOriginRequests(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CrossOriginOptions>()
            .BindConfiguration(CrossOriginOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, origins) =>
            cors.AddDefaultPolicy(policy => policy
                .SetIsOriginAllowed(origins.Value.Allows)
                .WithMethods("GET", "POST", "PATCH", "PUT", "DELETE")
                .WithHeaders("Authorization", "Content-Type", "Last-Event-ID", CorrelationId.HeaderName)
                .WithExposedHeaders("Retry-After", CorrelationId.HeaderName)
                .SetPreflightMaxAge(origins.Value.PreflightMaxAge)));
        return builder;
    }

    public static IApplicationBuilder UseCrossOriginRequests(this IApplicationBuilder app) => app.UseCors();
}
