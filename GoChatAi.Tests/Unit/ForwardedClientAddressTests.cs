using System.Net;
using GoChatAi.ServiceDefaults.Requests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GoChatAi.Tests.Unit;

/// <summary>
/// Whose address a request is: the client's as a trusted proxy forwards it, never what an untrusted sender claims,
/// and unknown (null) when only a trusted proxy's address is left.
/// </summary>
public sealed class ForwardedClientAddressTests
{
    [Fact]
    public async Task A_trusted_proxy_names_the_client()
    {
        Assert.Equal(IPAddress.Parse("203.0.113.7"), await ResolveAsync("127.0.0.1", "203.0.113.7"));
        Assert.Equal(IPAddress.Parse("203.0.113.7"), await ResolveAsync("::1", "203.0.113.7"));
        Assert.Equal(IPAddress.Parse("203.0.113.7"), await ResolveAsync("::ffff:127.0.0.1", "203.0.113.7"));
    }

    [Fact]
    public async Task What_an_untrusted_sender_claims_is_ignored()
    {
        Assert.Equal(IPAddress.Parse("198.51.100.4"), await ResolveAsync("198.51.100.4", "203.0.113.7"));
    }

    [Fact]
    public async Task Behind_a_chain_of_trusted_proxies_the_first_untrusted_address_is_the_clients()
    {
        string[] ingress = ["ForwardedHeaders:KnownNetworks:0=10.244.0.0/16"];

        // The client wrote a made-up address itself; the ingress appended the one it saw, and the sidecar forwarded both.
        var client = await ResolveAsync("127.0.0.1", "192.0.2.55, 203.0.113.7, 10.244.1.9", ingress);

        Assert.Equal(IPAddress.Parse("203.0.113.7"), client);
    }

    [Fact]
    public async Task A_request_the_proxy_did_not_attribute_has_no_client_address()
    {
        Assert.Null(await ResolveAsync("127.0.0.1", null));
        Assert.Null(await ResolveAsync("127.0.0.1", "127.0.0.1"));
        Assert.Null(await ResolveAsync("10.244.3.3", null, ["ForwardedHeaders:KnownProxies:0=10.244.3.3"]));
        Assert.Null(await ResolveAsync(null, null));
    }

    [Fact]
    public async Task With_no_proxy_trusted_the_connection_is_the_client()
    {
        string[] trustNothing = ["ForwardedHeaders:TrustLoopback=false"];

        Assert.Equal(IPAddress.Loopback, await ResolveAsync("127.0.0.1", "203.0.113.7", trustNothing));
    }

    [Fact]
    public void Proxies_that_are_not_addresses_or_networks_stop_the_start()
    {
        using var host = BuildHost(["ForwardedHeaders:KnownProxies:0=proxy.internal", "ForwardedHeaders:KnownNetworks:0=10.0.0.0/33"]);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<TrustedProxyOptions>>().Value);

        Assert.Contains("proxy.internal", error.Message, StringComparison.Ordinal);
        Assert.Contains("10.0.0.0/33", error.Message, StringComparison.Ordinal);
    }

    private static async Task<IPAddress?> ResolveAsync(string? connection, string? forwardedFor, string[]? settings = null)
    {
        using var host = BuildHost(settings ?? []);
        var middleware = new ForwardedHeadersMiddleware(_ => Task.CompletedTask, NullLoggerFactory.Instance,
            host.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>());
        var context = new DefaultHttpContext { RequestServices = host.Services };
        context.Connection.RemoteIpAddress = connection is null ? null : IPAddress.Parse(connection);
        if (forwardedFor is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        await middleware.Invoke(context);
        return context.GetClientAddress();
    }

    private static IHost BuildHost(string[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], (string?)p[1])));
        builder.AddForwardedClientAddress();
        return builder.Build();
    }
}
