using Microsoft.Extensions.Caching.Memory;

namespace Portal.Core.Browsing;

/// <summary>
/// Answers that are costly to compute and can never change, because they are keyed by a commit id: the last commit of
/// each entry of a directory at a commit, a commit's history count, a tree's languages. A page is rendered twice (once
/// before the browser connects, once live) and visited again and again: git walks the history once. Bounded by entry
/// count, least recently used first out; per node, in memory (losing it costs only time).
/// </summary>
public sealed class BrowsingCache : IDisposable
{
    /// <summary>Cached answers kept at most; each is small (a directory's last commits is the largest, a few KB).</summary>
    public const int MaxEntries = 4096;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    /// <summary>The cached answer, or <paramref name="compute"/>'s, kept unless <paramref name="keep"/> says it is not final (git failed).</summary>
    public async Task<T> GetOrAddAsync<T>(string kind, long repositoryId, string commit, string key, Func<Task<T>> compute, Func<T, bool>? keep = null)
        where T : class
    {
        var cacheKey = (kind, repositoryId, commit, key);
        if (cache.TryGetValue(cacheKey, out T? cached) && cached is not null)
        {
            return cached;
        }

        var value = await compute();
        if (keep is not null && !keep(value))
        {
            return value;
        }

        cache.Set(cacheKey, value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(6) });
        return value;
    }

    public void Dispose() => cache.Dispose();
}
