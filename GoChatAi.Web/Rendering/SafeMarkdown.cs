using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax.Inlines;
using Microsoft.AspNetCore.Components;

namespace GoChatAi.Web.Rendering;

/// <summary>
/// An answer's Markdown as HTML a page can show: HTML in the text stays text (Markdig's DisableHtml), links go only to
/// http, https and mailto addresses and open in a new tab without a referrer, and images become links, so that an
/// answer (which a prompt injection may shape) can neither run script nor make the browser fetch an address by itself.
/// The page's Content-Security-Policy stands behind this.
/// </summary>
public static class SafeMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .Build();

    public static MarkupString ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.ReplaceOrAdd<LinkInlineRenderer>(new SafeLinkRenderer());
        renderer.ObjectRenderers.ReplaceOrAdd<AutolinkInlineRenderer>(new SafeAutolinkRenderer());
        renderer.Render(document);
        writer.Flush();
        return new MarkupString(writer.ToString());
    }

    /// <summary>Whether a link may be followed from an answer: an absolute http, https or mailto address.</summary>
    public static bool IsSafeTarget(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeMailto);

    private static void WriteLinkStart(HtmlRenderer renderer, string url)
    {
        renderer.Write("<a href=\"").WriteEscapeUrl(url).Write("\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">");
    }

    private sealed class SafeLinkRenderer : HtmlObjectRenderer<LinkInline>
    {
        protected override void Write(HtmlRenderer renderer, LinkInline link)
        {
            var safe = IsSafeTarget(link.Url);
            if (safe)
            {
                WriteLinkStart(renderer, link.Url!);
            }

            // An image's alternative text is shown as the link's text; the picture itself is never fetched.
            renderer.WriteChildren(link);
            if (safe)
            {
                renderer.Write("</a>");
            }
        }
    }

    private sealed class SafeAutolinkRenderer : HtmlObjectRenderer<AutolinkInline>
    {
        protected override void Write(HtmlRenderer renderer, AutolinkInline link)
        {
            var url = link.IsEmail ? "mailto:" + link.Url : link.Url;
            if (IsSafeTarget(url))
            {
                WriteLinkStart(renderer, url);
                renderer.WriteEscape(link.Url).Write("</a>");
            }
            else
            {
                renderer.WriteEscape(link.Url);
            }
        }
    }
}
