using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GoChatAi.ServiceDefaults.Requests;

/// <summary>
/// The proxies in front of a service whose <c>X-Forwarded-For</c> is believed (section "ForwardedHeaders"), validated
/// at start-up. Behind a load balancer or an ingress every request comes from the proxy's address; only a trusted
/// proxy may say whose request it is, or anyone could claim any address.
/// </summary>
public sealed class TrustedProxyOptions : IValidatableObject
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Trust loopback (127.0.0.0/8, ::1): the AppHost's own proxy in local mode, or a sidecar in the pod.</summary>
    public bool TrustLoopback { get; set; } = true;

    /// <summary>Addresses of single proxies, e.g. <c>10.0.0.12</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of proxies in CIDR notation, e.g. <c>10.244.0.0/16</c> (an ingress controller's pods).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"'{proxy}' is not an IP address.", [nameof(KnownProxies)]);
        }

        foreach (var network in KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            yield return new ValidationResult($"'{network}' is not a network in CIDR notation (such as 10.0.0.0/8).", [nameof(KnownNetworks)]);
        }
    }
}

/// <summary>
/// The client's address as the trusted proxies in front of the service forward it (ASP.NET Core's forwarded headers
/// middleware), and what a service may count per client: only an address that is the client's own.
/// </summary>
public static class ForwardedClientAddress
{
    public static IHostApplicationBuilder AddForwardedClientAddress(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrustedProxyOptions>()
            .BindConfiguration(TrustedProxyOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>()
            .Configure<IOptions<TrustedProxyOptions>>((forwarded, trustedOptions) =>
            {
                var trusted = trustedOptions.Value;
                forwarded.KnownProxies.Clear();
                forwarded.KnownIPNetworks.Clear();
                if (trusted.TrustLoopback)
                {
                    forwarded.KnownIPNetworks.Add(new System.Net.IPNetwork(IPAddress.Loopback, 8));
                    forwarded.KnownProxies.Add(IPAddress.IPv6Loopback);
                }

                // Entries that do not parse are reported by the validation at start-up.
                foreach (var proxy in trusted.KnownProxies)
                {
                    if (IPAddress.TryParse(proxy, out var address))
                    {
                        forwarded.KnownProxies.Add(address);
                    }
                }

                foreach (var network in trusted.KnownNetworks)
                {
                    if (System.Net.IPNetwork.TryParse(network, out var parsed))
                    {
                        forwarded.KnownIPNetworks.Add(parsed);
                    }
                }

                // With no proxy listed, the middleware would believe every sender: then it reads nothing at all.
                forwarded.ForwardedHeaders = forwarded.KnownProxies.Count + forwarded.KnownIPNetworks.Count > 0
                    ? ForwardedHeaders.XForwardedFor
                    : ForwardedHeaders.None;
                // Walk back through every trusted proxy of a chain (ingress, then a sidecar); the first address that
                // is not a trusted proxy's is the client's, whatever the client itself wrote further left.
                forwarded.ForwardLimit = null;
            });
        return builder;
    }

    /// <summary>Replaces the connection's address with the client's, as the trusted proxies forward it.</summary>
    public static WebApplication UseForwardedClientAddress(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }

    /// <summary>
    /// The address of the client that sent the request, or null when it is unknown: no address at all, or one that
    /// is itself a trusted proxy's (a request the proxy did not attribute), which many clients would share.
    /// </summary>
    public static IPAddress? GetClientAddress(this HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } address)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var forwarded = context.RequestServices.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        var isProxy = forwarded.KnownProxies.Contains(address) || forwarded.KnownIPNetworks.Any(network => network.Contains(address));
        return isProxy ? null : address;
    }
}
