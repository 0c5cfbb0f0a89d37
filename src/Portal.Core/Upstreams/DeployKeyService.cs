using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Git;
using Portal.Core.Security;

namespace Portal.Core.Upstreams;

/// <summary>Generates ed25519 deploy keys: the private half is encrypted at once and never leaves Portal.</summary>
public sealed class DeployKeyService(PortalDbContext db, SshTools ssh, SecretProtector protector, TimeProvider clock)
{
    /// <summary>A key for a repository that does not exist yet; returns (id, public key).</summary>
    public async Task<PendingDeployKey> CreatePendingAsync(string userId, CancellationToken cancellationToken)
    {
        var (privateKey, publicKey) = await ssh.GenerateDeployKeyAsync("portal-deploy-key", cancellationToken);
        var key = new PendingDeployKey
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            UserId = userId,
            ProtectedPrivateKey = protector.Protect(privateKey),
            PublicKey = publicKey,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.PendingDeployKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return key;
    }

    /// <summary>The decrypted private key and public key of a pending key the user owns, or null.</summary>
    public async Task<(string PrivateKey, string PublicKey)?> ReadPendingAsync(string userId, string keyId, CancellationToken cancellationToken)
    {
        var key = await db.PendingDeployKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == keyId && k.UserId == userId, cancellationToken);
        return key is null ? null : (protector.Unprotect(key.ProtectedPrivateKey), key.PublicKey);
    }

    public Task ConsumePendingAsync(string keyId, CancellationToken cancellationToken) =>
        db.PendingDeployKeys.Where(k => k.Id == keyId).ExecuteDeleteAsync(cancellationToken);
}
