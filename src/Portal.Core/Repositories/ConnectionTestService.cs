using Portal.Core.Upstreams;
using Portal.Git;

namespace Portal.Core.Repositories;

/// <summary>
/// The import's "test connection": connects to an upstream with the credentials a person gave and reports what it has,
/// creating nothing. Inputs are checked exactly as <see cref="RepositoryCreationService"/> checks them.
/// </summary>
public sealed class ConnectionTestService(RepositoryInputValidator validator, UpstreamConnector connector, UpstreamProbe probe, SshTools ssh)
{
    /// <summary>With <paramref name="hostKeys"/> (typed in by hand), the server must present one of them; without, its keys are scanned and returned.</summary>
    public async Task<Outcome<ConnectionTestResult>> TestAsync(string actorUserId, string? cloneUrl, UpstreamAuthRequest? auth, string? hostKeys = null, CancellationToken cancellationToken = default)
    {
        var parsed = UpstreamUrl.Parse(cloneUrl);
        if (!parsed.Succeeded)
        {
            return parsed.Error!;
        }

        var credentials = await validator.CredentialsAsync(actorUserId, parsed.Value!, auth, cancellationToken);
        if (!credentials.Succeeded)
        {
            return credentials.Error!;
        }

        var pinned = await validator.HostKeysAsync(hostKeys, parsed.Value!.Url, cancellationToken);
        if (!pinned.Succeeded)
        {
            return pinned.Error!;
        }

        var opened = await connector.OpenAsync(parsed.Value.Url, credentials.Value!.Credentials, pinned.Value, cancellationToken);
        if (!opened.Succeeded)
        {
            return opened.Error!;
        }

        await using var session = opened.Value!;
        var refs = await probe.ListRefsAsync(session, parsed.Value.Url, cancellationToken);
        if (!refs.Succeeded)
        {
            return refs.Error!;
        }

        var snapshot = refs.Value!;
        var fingerprints = session.HostKeys is null ? [] : await ssh.FingerprintsAsync(session.HostKeys, cancellationToken);
        return new ConnectionTestResult(
            snapshot.Refs.Keys.Count(r => r.StartsWith("refs/heads/", StringComparison.Ordinal)),
            snapshot.Refs.Keys.Count(r => r.StartsWith("refs/tags/", StringComparison.Ordinal)),
            snapshot.Head?.StartsWith("refs/heads/", StringComparison.Ordinal) == true ? snapshot.Head["refs/heads/".Length..] : snapshot.Head,
            fingerprints,
            session.HostKeys);
    }
}
