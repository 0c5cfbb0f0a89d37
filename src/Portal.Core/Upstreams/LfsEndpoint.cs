namespace Portal.Core.Upstreams;

/// <summary>
/// Where a mirror's Git LFS objects come from, decided by Portal alone: the LFS URL a maintainer set for the mirror, or
/// the one the git-lfs specification derives from the upstream URL (docs/api/server-discovery.md):
/// <c>https://host/org/repo(.git)</c> → <c>https://host/org/repo.git/info/lfs</c>; for ssh:// and git:// upstreams the
/// https endpoint on the same host (no port, no SSH user). The upstream's own <c>.lfsconfig</c> is never read: a
/// repository must not choose where Portal sends requests, let alone credentials.
/// </summary>
public static class LfsEndpoint
{
    public static Uri Derive(UpstreamUrl upstream)
    {
        var path = upstream.Path.TrimEnd('/');
        if (!path.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
        {
            path += ".git";
        }

        var origin = upstream.IsHttp
            ? $"{upstream.Scheme}://{upstream.Host}{(upstream.Port is { } port ? $":{port}" : "")}"
            : $"https://{upstream.Host}";
        return new Uri($"{origin}{path}/info/lfs");
    }

    /// <summary>Checks an LFS URL a maintainer gives, like an import URL but https/http only and without credentials in it.</summary>
    public static Outcome<Uri> ParseExplicit(string? text)
    {
        const string HttpOnly = "The LFS URL must start with https:// or http:// (the LFS API is HTTP), e.g. https://git.example.com/org/repo.git/info/lfs.";
        var trimmed = text?.Trim() ?? "";
        var schemeEnd = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0 && trimmed[..schemeEnd].ToLowerInvariant() is not ("https" or "http"))
        {
            return PortalError.Invalid(HttpOnly);
        }

        var parsed = UpstreamUrl.Parse(trimmed);
        if (!parsed.Succeeded)
        {
            return PortalError.Invalid($"LFS URL: {parsed.Error!.Message}");
        }

        var (url, user, password) = parsed.Value!;
        if (!url.IsHttp)
        {
            return PortalError.Invalid(HttpOnly);
        }

        if (user is not null || password is not null)
        {
            return PortalError.Invalid("Leave credentials out of the LFS URL: Portal sends the mirror's credentials to the upstream's own host only.");
        }

        return new Uri(url.ToString().TrimEnd('/'));
    }

    /// <summary>The mirror's endpoint: the explicit URL when set, else the derived one.</summary>
    public static Outcome<Uri> For(UpstreamUrl upstream, string? explicitUrl) =>
        string.IsNullOrEmpty(explicitUrl) ? Derive(upstream) : ParseExplicit(explicitUrl);

    /// <summary>The upstream's HTTP origin, the only one its credentials are sent to; null for ssh:// and git://.</summary>
    public static Uri? CredentialOrigin(UpstreamUrl upstream) => upstream.IsHttp ? new Uri(upstream.ToString()) : null;
}
