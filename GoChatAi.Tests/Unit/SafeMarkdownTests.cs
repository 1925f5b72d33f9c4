using GoChatAi.Web.Rendering;

namespace GoChatAi.Tests.Unit;

/// <summary>An answer's Markdown as the page shows it: formatting kept, nothing that runs or fetches by itself.</summary>
public sealed class SafeMarkdownTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>", "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;")]
    public void Html_in_an_answer_stays_text(string markdown, string expected)
    {
        var html = SafeMarkdown.ToHtml(markdown).Value;

        Assert.Contains(expected, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JAVASCRIPT:alert(1))")]
    [InlineData("[click]( javascript:alert(1))")]
    [InlineData("[click](data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("[click](vbscript:msgbox(1))")]
    [InlineData("[click](/relative/path)")]
    [InlineData("<javascript:alert(1)>")]
    public void A_link_to_anything_but_a_web_or_mail_address_is_shown_as_its_text(string markdown)
    {
        var html = SafeMarkdown.ToHtml(markdown).Value;

        Assert.DoesNotContain("<a", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[GoChatAi](https://example.com/a?b=1)", "https://example.com/a?b=1")]
    [InlineData("<https://example.com>", "https://example.com")]
    [InlineData("write to <someone@example.com>", "mailto:someone@example.com")]
    [InlineData("see www.example.com", "http://www.example.com")]
    public void A_web_or_mail_link_opens_in_a_new_tab_without_a_referrer(string markdown, string href)
    {
        var html = SafeMarkdown.ToHtml(markdown).Value;

        Assert.Contains($"href=\"{href}\"", html, StringComparison.Ordinal);
        Assert.Contains("rel=\"noopener noreferrer nofollow\"", html, StringComparison.Ordinal);
        Assert.Contains("target=\"_blank\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_is_a_link_to_it_never_fetched_by_the_page()
    {
        var html = SafeMarkdown.ToHtml("![a cat](https://tracker.example/pixel.png?secret=1)").Value;

        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("a cat", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_blocks_tables_and_emphasis_are_rendered()
    {
        var html = SafeMarkdown.ToHtml("**bold** and `x < y`\n\n```csharp\nvar a = \"<b>\";\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |").Value;

        Assert.Contains("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<code>x &lt; y</code>", html, StringComparison.Ordinal);
        Assert.Contains("<pre><code class=\"language-csharp\">var a = &quot;&lt;b&gt;&quot;;", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
    }
}
