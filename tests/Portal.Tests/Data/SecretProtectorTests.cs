using Microsoft.AspNetCore.DataProtection;
using Portal.Core.Security;

namespace Portal.Tests.Data;

public sealed class SecretProtectorTests : IDisposable
{
    private readonly DirectoryInfo keys = Directory.CreateTempSubdirectory("portal-keys-");

    private SecretProtector NewProtector() =>
        new(DataProtectionProvider.Create(keys, b => b.SetApplicationName("Portal")));

    [Fact]
    public void Protect_HidesTheSecret_AndAnotherInstanceWithTheSameKeysReadsIt()
    {
        const string secret = "glpat-SuperSecretValue123";
        var protectedValue = NewProtector().Protect(secret);

        Assert.DoesNotContain(secret, protectedValue);
        Assert.DoesNotContain("SuperSecret", protectedValue);
        Assert.Equal(secret, NewProtector().Unprotect(protectedValue));
        Assert.NotEmpty(keys.GetFiles("*.xml"));
    }

    [Fact]
    public void Unprotect_WithOtherKeys_Fails()
    {
        var protectedValue = NewProtector().Protect("token");
        var otherKeys = Directory.CreateTempSubdirectory("portal-keys-other-");
        try
        {
            var other = new SecretProtector(DataProtectionProvider.Create(otherKeys, b => b.SetApplicationName("Portal")));
            Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => other.Unprotect(protectedValue));
        }
        finally
        {
            otherKeys.Delete(recursive: true);
        }
    }

    public void Dispose() => keys.Delete(recursive: true);
}
