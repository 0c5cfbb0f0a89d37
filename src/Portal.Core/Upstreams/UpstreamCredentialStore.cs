using Portal.Core.Security;

namespace Portal.Core.Upstreams;

/// <summary>Encrypts credentials (a pull mirror's upstream, a push mirror's target) into their row and decrypts them for one operation.</summary>
public sealed class UpstreamCredentialStore(SecretProtector protector, TimeProvider clock)
{
    public UpstreamCredentials Read(IStoredCredential? row) => row is null
        ? UpstreamCredentials.None
        : new UpstreamCredentials(
            row.Username,
            row.ProtectedSecret is null ? null : protector.Unprotect(row.ProtectedSecret),
            row.ProtectedSshPrivateKey is null ? null : protector.Unprotect(row.ProtectedSshPrivateKey));

    /// <summary>The secrets to scrub from a failure's text; none when they cannot be decrypted (that failure names itself).</summary>
    public IEnumerable<string> ReadSecretsSafely(IStoredCredential? row)
    {
        try
        {
            return Read(row).Secrets;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return [];
        }
    }

    public void Write(IStoredCredential row, UpstreamCredentials credentials, string? sshPublicKey)
    {
        row.Username = string.IsNullOrWhiteSpace(credentials.UserName) ? null : credentials.UserName.Trim();
        row.ProtectedSecret = string.IsNullOrEmpty(credentials.Secret) ? null : protector.Protect(credentials.Secret);
        row.ProtectedSshPrivateKey = string.IsNullOrEmpty(credentials.SshPrivateKey) ? null : protector.Protect(credentials.SshPrivateKey);
        row.SshPublicKey = sshPublicKey;
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
    }
}

/// <summary>A row holding credentials as <see cref="UpstreamCredentialStore"/> writes them: secrets encrypted, the public key in clear.</summary>
public interface IStoredCredential
{
    string? Username { get; set; }

    string? ProtectedSecret { get; set; }

    string? ProtectedSshPrivateKey { get; set; }

    /// <summary>The public half of a deploy key: not secret.</summary>
    string? SshPublicKey { get; set; }

    DateTime UpdatedAt { get; set; }
}
