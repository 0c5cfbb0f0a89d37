namespace Portal.Core.Upstreams;

/// <summary>Adds what to do to git's (already scrubbed) error message.</summary>
public static class GitErrorHints
{
    // HTTP statuses are matched as git prints them ("error: 404"): a bare "404" could be part of the URL.
    private static readonly (string[] Signs, string Hint)[] Hints =
    [
        (["Authentication failed", "HTTP Basic: Access denied", "could not read Username", "error: 401", "error: 403", "Invalid username or password"],
            "authentication failed: check the user name, and that the token or password has read access to the repository."),
        (["Permission denied (publickey"], "the upstream refused the SSH key: add Portal's deploy key to the upstream repository with read access."),
        (["Host key verification failed", "REMOTE HOST IDENTIFICATION HAS CHANGED"], "the upstream's SSH host key does not match the pinned one."),
        (["Could not resolve host", "Name or service not known", "Temporary failure in name resolution"], "the upstream host name does not resolve: check the URL."),
        (["Connection refused", "Failed to connect", "Connection timed out", "Operation timed out", "No route to host", "unable to connect", "Connection reset", "early EOF", "the remote end hung up"],
            "the upstream could not be reached or closed the connection: check the URL and that the server is up, then sync again."),
        (["Repository not found", "not found", "no such repository", "does not appear to be a git repository", "error: 404", "No such file or directory"],
            "the upstream repository was not found: check the URL, and that the credentials can see it (private repositories answer 'not found' without access)."),
        (["error: 301", "error: 302", "error: 307", "error: 308", "redirect"], "the upstream answered with a redirect, which Portal does not follow: use the final URL."),
        (["error: 500", "error: 502", "error: 503", "error: 504"], "the upstream server failed (HTTP 5xx): the problem is on its side; Portal retries on schedule, or press Sync later."),
        (["SSL certificate problem", "certificate verify failed", "SSL_ERROR", "gnutls_handshake"], "the upstream's TLS certificate is not trusted."),
        (["No space left on device", "Disk quota exceeded"], "Portal's data folder is full: free space, then sync again."),
        (["did not finish in time"], "the transfer took too long and was stopped: sync again, or ask an admin to raise Portal:Git:TransferTimeout."),
    ];

    public static string Explain(string scrubbedError)
    {
        var hint = Hints.FirstOrDefault(h => h.Signs.Any(s => scrubbedError.Contains(s, StringComparison.OrdinalIgnoreCase))).Hint;
        return hint is null ? scrubbedError : $"{Capitalize(hint)}\n{scrubbedError}";
    }

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
