using Portal.Web.Rendering;

namespace Portal.Tests.Browsing;

/// <summary>READMEs are untrusted: nothing in one may run script in a visitor's browser.</summary>
public sealed class MarkdownRendererTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JaVaScRiPt:alert(1))")]
    [InlineData("[click]( javascript:alert(1))")]
    [InlineData("[click](java\tscript:alert(1))")]
    [InlineData("![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    [InlineData("[x](vbscript:msgbox(1))")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    public void DangerousContent_IsEscapedOrNeutralised(string markdown)
    {
        var html = MarkdownRenderer.ToSafeHtml(markdown);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=\"data:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("vbscript:msgbox", html.Replace("&quot;", "\"", StringComparison.Ordinal).Split("href=\"")[^1], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void OrdinaryMarkdown_Renders()
    {
        var html = MarkdownRenderer.ToSafeHtml("# Title\n\nSome **bold** and a [link](https://example.com/docs) and [relative](docs/setup.md).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");

        Assert.Contains("<h1", html);
        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("href=\"https://example.com/docs\"", html);
        Assert.Contains("href=\"docs/setup.md\"", html);
        Assert.Contains("<table>", html);
    }
}
