using System.Text;
using System.Text.RegularExpressions;

namespace Portal.Git;

/// <summary>
/// Removes secrets from text that came out of git (or anything else talking to an upstream) before it reaches a log,
/// the database or a page: the exact secrets Portal handed out, their Basic-auth encodings, passwords inside URLs,
/// Authorization headers and Portal tokens.
/// </summary>
public static partial class CredentialScrubber
{
    public const string Mask = "***";

    public static string Scrub(string? text, IEnumerable<string>? secrets = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        text = ScrubSecrets(text, secrets);
        text = UrlPassword().Replace(text, m => $"{m.Groups["scheme"].Value}{m.Groups["user"].Value}:{Mask}@");
        text = AuthorizationHeader().Replace(text, m => $"{m.Groups["name"].Value}{m.Groups["scheme"].Value} {Mask}");
        text = PortalToken().Replace(text, "portal_" + Mask);
        return text;
    }

    /// <summary>Masks only the given secrets (as they are, URL-escaped and base64): for output that is data, not a message.</summary>
    public static string ScrubSecrets(string? text, IEnumerable<string>? secrets)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        foreach (var secret in (secrets ?? []).Where(s => s.Length >= 4).OrderByDescending(s => s.Length))
        {
            foreach (var form in FormsOf(secret))
            {
                text = text.Replace(form, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>A secret as it may appear: itself, URL-encoded, and inside a Basic credential.</summary>
    private static IEnumerable<string> FormsOf(string secret)
    {
        yield return secret;
        var escaped = Uri.EscapeDataString(secret);
        if (escaped != secret)
        {
            yield return escaped;
        }

        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
    }

    [GeneratedRegex(@"(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?<user>[^/@\s:'""]*):(?<password>[^/@\s'""]+)@")]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"(?<name>(?:Proxy-)?Authorization:\s*)(?<scheme>[A-Za-z]+)\s+[^\s'""]+", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"portal_[A-Za-z0-9_-]{16,}")]
    private static partial Regex PortalToken();
}
