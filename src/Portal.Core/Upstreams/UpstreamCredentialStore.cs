using Portal.Core.Security;


namespace Portal.Core.Upstreams;

/// <summary>Encrypts upstream credentials into their row and decrypts them for one operation.</summary>
public sealed class UpstreamCredentialStore(SecretProtector protector, TimeProvider clock)
{
    public UpstreamCredentials Read(UpstreamCredential? row) => row is null
        ? UpstreamCredentials.None
        : new UpstreamCredentials(
            row.Username,
            row.ProtectedSecret is null ? null : protector.Unprotect(row.ProtectedSecret),
            row.ProtectedSshPrivateKey is null ? null : protector.Unprotect(row.ProtectedSshPrivateKey));

    public void Write(UpstreamCredential row, UpstreamCredentials credentials, string? sshPublicKey)
    {
        row.Username = string.IsNullOrWhiteSpace(credentials.UserName) ? null : credentials.UserName.Trim();
        row.ProtectedSecret = string.IsNullOrEmpty(credentials.Secret) ? null : protector.Protect(credentials.Secret);
        row.ProtectedSshPrivateKey = string.IsNullOrEmpty(credentials.SshPrivateKey) ? null : protector.Protect(credentials.SshPrivateKey);
        row.SshPublicKey = sshPublicKey;
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
    }
}
