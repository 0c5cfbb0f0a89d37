namespace Portal.Core;

public static class SemaphoreSlimExtensions
{
    /// <summary>
    /// Waits for the semaphore; disposing the result releases it, once however often it is disposed.
    /// <paramref name="releasing"/>, if given, runs just before the release, so whatever it records is visible to the
    /// next holder.
    /// </summary>
    public static async Task<IDisposable> EnterAsync(this SemaphoreSlim semaphore, CancellationToken cancellationToken, Action? releasing = null)
    {
        await semaphore.WaitAsync(cancellationToken);
        return new Release(semaphore, releasing);
    }

    private sealed class Release(SemaphoreSlim semaphore, Action? releasing) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                releasing?.Invoke();
                semaphore.Release();
            }
        }
    }
}
