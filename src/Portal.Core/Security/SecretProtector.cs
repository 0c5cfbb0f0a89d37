using Microsoft.AspNetCore.DataProtection;

namespace Portal.Core.Security;

/// <summary>
/// Encrypts upstream secrets at rest with ASP.NET Core Data Protection; the key ring lives in the data folder
/// (<c>keys/</c>), so a copied database alone reveals nothing.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("Portal.UpstreamCredentials.v1");

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string protectedSecret) => protector.Unprotect(protectedSecret);
}
