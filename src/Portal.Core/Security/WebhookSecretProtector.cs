using Microsoft.AspNetCore.DataProtection;

namespace Portal.Core.Security;

/// <summary>
/// Encrypts webhook secrets at rest (the secret an upstream signs its webhooks with, and the secrets outbound deliveries
/// are signed with), under their own Data Protection purpose: a key derived for upstream credentials cannot read them.
/// </summary>
public sealed class WebhookSecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("Portal.WebhookSecrets.v1");

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string protectedSecret) => protector.Unprotect(protectedSecret);
}
