using GoChatAi.Web.Sessions;

namespace GoChatAi.Tests.Unit;

public sealed class LocalReturnUrlTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/c/0b8f0c7e-8d1a-4a57-9f3e-2f7f6f1c9a10", "/c/0b8f0c7e-8d1a-4a57-9f3e-2f7f6f1c9a10")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("javascript:alert(1)", "/")]
    public void Only_a_path_of_this_site_is_followed_after_signing_in(string? returnUrl, string expected) =>
        Assert.Equal(expected, LocalReturnUrl.Or(returnUrl, "/"));
}
