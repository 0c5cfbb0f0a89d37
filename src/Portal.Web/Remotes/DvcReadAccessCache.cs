using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Portal.Web.Authentication;

namespace Portal.Web.Remotes;

/// <summary>
/// The storage remote's granted reads, kept for <see cref="Lifetime"/>: `dvc status -c` and `dvc pull` ask about
/// thousands of objects in a burst with the same credentials, and each request would otherwise repeat the token,
/// repository and role queries that cost far more than answering it. Only granted reads are kept (refusals and writes
/// are decided every time), keyed by a SHA-256 of the Authorization header with the repository's name, so the secret
/// itself is never held; a revoked token or a lost role stops reading within <see cref="Lifetime"/>.
/// </summary>
public sealed class DvcReadAccessCache : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);

    /// <summary>Credentials × repositories remembered at once; bursts need one entry each.</summary>
    private const int MaxEntries = 10_000;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public async Task<RepositoryRequestAccess> ResolveReadAsync(HttpContext context, string owner, string repository)
    {
        var key = Key(context.Request.Headers.Authorization.ToString(), owner, repository);
        if (cache.TryGetValue(key, out RepositoryRequestAccess? granted) && granted is not null)
        {
            return granted;
        }

        // Resolved here, on a miss only: the authorizer brings a database context with it, which a hit never needs.
        var access = await context.RequestServices.GetRequiredService<RepositoryRequestAuthorizer>().ResolveAsync(context, owner, repository, write: false);
        if (access.Refusal is null)
        {
            cache.Set(key, access, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });
        }

        return access;
    }

    private static string Key(string authorization, string owner, string repository) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{authorization}\n{owner}\n{repository}")));

    public void Dispose() => cache.Dispose();
}
