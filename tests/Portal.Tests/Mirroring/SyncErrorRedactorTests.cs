using Portal.Core.Mirroring;
using Portal.Core.Repositories;

namespace Portal.Tests.Mirroring;

/// <summary>
/// What readers see of sync errors: real git, curl, OpenSSH and git-lfs texts (captured from git 2.39 / git-lfs 3.3 on
/// this machine, and Portal's own messages), with every upstream URL, address and host name replaced.
/// </summary>
[Trait("Category", "Hardening")]
public sealed class SyncErrorRedactorTests
{
    [Theory]
    [InlineData(
        "fatal: unable to access 'https://10.1.2.3:8443/x.git/': Failed to connect to 10.1.2.3 port 8443 after 0 ms: Couldn't connect to server",
        "fatal: unable to access '<upstream>': Failed to connect to <address> port 8443 after 0 ms: Couldn't connect to server")]
    [InlineData(
        "fatal: unable to access 'https://gitlab.internal/group/x.git/': Could not resolve host: gitlab.internal",
        "fatal: unable to access '<upstream>': Could not resolve host: <host>")]
    [InlineData(
        "ssh: Could not resolve hostname gitlab.internal: Name or service not known\nfatal: Could not read from remote repository.",
        "ssh: Could not resolve hostname <host>: Name or service not known\nfatal: Could not read from remote repository.")]
    [InlineData(
        "ssh: connect to host 10.1.2.3 port 22: Connection refused\nfatal: Could not read from remote repository.",
        "ssh: connect to host <address> port 22: Connection refused\nfatal: Could not read from remote repository.")]
    [InlineData(
        "ssh: connect to host buildbox port 22: Connection timed out",
        "ssh: connect to host <host> port 22: Connection timed out")]
    [InlineData(
        "ssh: Could not resolve hostname gitlab: Name or service not known",
        "ssh: Could not resolve hostname <host>: Name or service not known")]
    [InlineData(
        "git@gitlab.internal: Permission denied (publickey).\nfatal: Could not read from remote repository.",
        "<upstream>: Permission denied (publickey).\nfatal: Could not read from remote repository.")]
    [InlineData(
        "kex_exchange_identification: read: Connection reset by peer\nConnection reset by 10.1.2.3 port 22",
        "kex_exchange_identification: read: Connection reset by peer\nConnection reset by <address> port 22")]
    [InlineData(
        "kex_exchange_identification: Connection closed by remote host\nConnection closed by 192.168.7.20 port 2222",
        "kex_exchange_identification: Connection closed by remote host\nConnection closed by <address> port 2222")]
    [InlineData(
        "Host key for gitlab.internal has changed and you have requested strict checking.\nHost key verification failed.",
        "Host key for <host> has changed and you have requested strict checking.\nHost key verification failed.")]
    [InlineData(
        "fatal: unable to connect to 10.0.0.5:\n10.0.0.5[0: 10.0.0.5]: errno=Connection refused",
        "fatal: unable to connect to <address>:\n<address>[0: <address>]: errno=Connection refused")]
    [InlineData(
        "fatal: unable to look up gitlab (port 9418) (Name or service not known)",
        "fatal: unable to look up <host> (port 9418) (Name or service not known)")]
    [InlineData(
        "fatal: unable to access 'http://[fd00::5]:8443/x.git/': Failed to connect to fd00::5 port 8443 after 0 ms: Couldn't connect to server",
        "fatal: unable to access '<upstream>': Failed to connect to <address> port 8443 after 0 ms: Couldn't connect to server")]
    [InlineData(
        "fatal: repository 'https://gitlab.internal/secret-team/x.git/' not found",
        "fatal: repository '<upstream>' not found")]
    [InlineData(
        "remote: HTTP Basic: Access denied\nfatal: Authentication failed for 'https://git.corp.example.com/x.git/'",
        "remote: HTTP Basic: Access denied\nfatal: Authentication failed for '<upstream>'")]
    [InlineData(
        "batch response: Post \"https://lfs.corp.example.com/x.git/info/lfs/objects/batch\": dial tcp 10.9.8.7:443: connect: connection refused",
        "batch response: Post \"<upstream>\": dial tcp <address>:443: connect: connection refused")]
    [InlineData(
        "fatal: unable to access 'https://gitlab.internal/x.git/': SSL certificate problem: self-signed certificate",
        "fatal: unable to access '<upstream>': SSL certificate problem: self-signed certificate")]
    [InlineData(
        "'gitlab.internal' resolves to 10.1.2.3, an internal address (loopback, private, link-local, multicast or unspecified).",
        "'<host>' resolves to <address>, an internal address (loopback, private, link-local, multicast or unspecified).")]
    [InlineData(
        "Portal could not resolve the host 'buildbox': check the URL.",
        "Portal could not resolve the host '<host>': check the URL.")]
    [InlineData(
        "Git LFS: 1 object failed: 'minio' resolves to 10.0.0.7, an internal address (loopback, private, link-local, multicast or unspecified).",
        "Git LFS: 1 object failed: '<host>' resolves to <address>, an internal address (loopback, private, link-local, multicast or unspecified).")]
    [InlineData(
        "Portal could not read an SSH host key from gitbox port 2222: check the host and port.",
        "Portal could not read an SSH host key from <host> port 2222: check the host and port.")]
    public void Redact_RemovesUrlsAddressesAndHostNames(string error, string expected) =>
        Assert.Equal(expected, SyncErrorRedactor.Redact(error));

    [Theory]
    // Portal's hints and git's wording stay readable: no false hits on versions, ref names, scopes or statuses.
    [InlineData("The upstream host name does not resolve: check the URL.")]
    [InlineData("The upstream's SSH host key does not match the pinned one.")]
    [InlineData("error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500")]
    [InlineData("The transfer took too long and was stopped: sync again, or ask an admin to raise Portal:Git:TransferTimeout.")]
    [InlineData("! [rejected] release-1.2 -> release-1.2 (non-fast-forward), git-lfs/3.3.0")]
    [InlineData("The upstream could not be reached or closed the connection: check the URL and that the server is up, then sync again.")]
    public void Redact_LeavesTextWithoutAddressesAlone(string text) =>
        Assert.Equal(text, SyncErrorRedactor.Redact(text));

    [Fact]
    public void Redact_RemovesTheUpstreamHost_EvenWithoutDots_InPortalsOwnMessages()
    {
        const string error = "The upstream's SSH host key changed: Portal pinned SHA256:abc (ED25519), but buildbox now presents SHA256:def (ED25519).";

        var redacted = SyncErrorRedactor.Redact(error, "ssh://git@buildbox:2222/srv/x.git");

        Assert.Equal("The upstream's SSH host key changed: Portal pinned SHA256:abc (ED25519), but <host> now presents SHA256:def (ED25519).", redacted);
    }

    [Fact]
    public void ForRole_GivesMaintainersTheFullText_AndEveryoneElseTheRedactedOne()
    {
        const string error = "fatal: unable to access 'https://10.1.2.3:8443/x.git/': Could not resolve host: gitlab.internal";

        Assert.Equal(error, SyncErrorRedactor.ForRole(error, RepositoryRole.Admin, "https://gitlab.internal/x.git"));
        foreach (var role in new[] { RepositoryRole.Write, RepositoryRole.Read, RepositoryRole.None })
        {
            var redacted = SyncErrorRedactor.ForRole(error, role, "https://gitlab.internal/x.git")!;
            Assert.DoesNotContain("10.1.2.3", redacted);
            Assert.DoesNotContain("gitlab", redacted);
        }

        Assert.Null(SyncErrorRedactor.ForRole(null, RepositoryRole.Read, null));
    }
}
