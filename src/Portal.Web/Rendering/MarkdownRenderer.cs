using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Portal.Web.Rendering;

/// <summary>
/// Renders READMEs. Repository content is untrusted: raw HTML is escaped (not passed through), and links or images
/// whose scheme is not http, https or mailto (javascript:, data:, vbscript:, …) are neutralised.
/// </summary>
public static class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseAutoLinks()
        .UseTaskLists()
        .UseEmphasisExtras()
        .DisableHtml()
        .Build();

    public static string ToSafeHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!IsSafeUrl(link.Url))
            {
                link.Url = "#";
            }
        }

        foreach (var link in document.Descendants<AutolinkInline>())
        {
            if (!IsSafeUrl(link.Url))
            {
                link.Url = "#";
            }
        }

        return document.ToHtml(Pipeline);
    }

    internal static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return true;
        }

        var trimmed = new string(url.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray());
        var colon = trimmed.IndexOf(':');
        var slash = trimmed.IndexOfAny(['/', '?', '#']);
        if (colon < 0 || (slash >= 0 && slash < colon))
        {
            return true; // relative
        }

        var scheme = trimmed[..colon].ToLowerInvariant();
        return scheme is "http" or "https" or "mailto";
    }
}
