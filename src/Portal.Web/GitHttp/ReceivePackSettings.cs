using Portal.Git;

namespace Portal.Web.GitHttp;

/// <summary>How every git receive-pack Portal runs for a push is configured: a mirror's own, or a write-through push's staging.</summary>
internal static class ReceivePackSettings
{
    public static GitCommand Apply(GitCommand command, string hooksPath, GitOptions options) => command
        .WithConfig("receive.fsckObjects", "true")
        // git's own bound on a pushed pack, the same as Portal's on the (decompressed) request body.
        .WithConfig("receive.maxInputSize", options.MaxRequestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .WithConfig("receive.advertisePushOptions", "false")
        .WithConfig("core.hooksPath", hooksPath);
}
