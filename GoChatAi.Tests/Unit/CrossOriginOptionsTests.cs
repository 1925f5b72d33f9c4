using System.ComponentModel.DataAnnotations;
using GoChatAi.ServiceDefaults.Requests;

namespace GoChatAi.Tests.Unit;

public sealed class CrossOriginOptionsTests
{
    [Theory]
    [InlineData("https://chat.example.com", true)]
    [InlineData("HTTPS://CHAT.EXAMPLE.COM", true)]
    [InlineData("https://chat.example.com:8443", false)]
    [InlineData("http://chat.example.com", false)]
    [InlineData("http://localhost:5173", false)]
    [InlineData("null", false)]
    public void Only_the_configured_origins_are_allowed(string origin, bool allowed) =>
        Assert.Equal(allowed, new CrossOriginOptions { AllowedOrigins = ["https://chat.example.com"] }.Allows(origin));

    [Theory]
    [InlineData("http://localhost:5173", true)]
    [InlineData("http://127.0.0.1:3000", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://localhost.example.com", false)]
    [InlineData("file:///tmp/page.html", false)]
    public void Loopback_pages_are_allowed_only_when_asked_for(string origin, bool allowedWithLoopback)
    {
        Assert.Equal(allowedWithLoopback, new CrossOriginOptions { AllowLoopback = true }.Allows(origin));
        Assert.False(new CrossOriginOptions().Allows(origin));
    }

    [Theory]
    [InlineData("https://chat.example.com/")]
    [InlineData("https://chat.example.com/app")]
    [InlineData("chat.example.com")]
    [InlineData("ftp://chat.example.com")]
    [InlineData("*")]
    public void An_origin_that_is_not_one_stops_the_service_at_start(string origin)
    {
        var options = new CrossOriginOptions { AllowedOrigins = [origin] };

        var errors = options.Validate(new ValidationContext(options)).ToList();

        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(CrossOriginOptions.AllowedOrigins)));
    }
}
