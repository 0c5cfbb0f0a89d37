using Portal.Git;

namespace Portal.Web.GitHttp;

/// <summary>Moving a git transfer's bytes: in chunks, with an idle timeout that only a stalled transfer (or a client gone) trips.</summary>
internal static class GitTransfer
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Feeds <paramref name="prefix"/> and then <paramref name="body"/> into git's stdin, closing it at the end; a body over the size limit stops git.</summary>
    public static async Task FeedAsync(GitStreamingProcess process, Stream body, byte[]? prefix, IdleDeadline idle)
    {
        try
        {
            if (prefix is not null)
            {
                await process.Input.WriteAsync(prefix, idle.Token);
            }

            await PumpAsync(body, process.Input, idle, flush: false);
        }
        catch (BadHttpRequestException)
        {
            // Over the size limit (or unreadable): git must not see a byte more, nor act on what it has.
            process.Kill();
            throw;
        }
        catch (IOException)
        {
            // git stopped reading (it refused the request and said why on stdout); its answer still goes out.
        }
        finally
        {
            try
            {
                process.Input.Close();
            }
            catch (IOException)
            {
                // Already closed by git.
            }
        }
    }

    /// <summary>Copies in chunks, resetting the idle timer on each: a slow but moving transfer is never cut.</summary>
    public static async Task PumpAsync(Stream from, Stream to, IdleDeadline idle, bool flush)
    {
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await from.ReadAsync(buffer, idle.Token)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), idle.Token);
            if (flush)
            {
                await to.FlushAsync(idle.Token);
            }

            idle.Reset();
        }
    }

    /// <summary>Cancelled when the client disconnects, or when nothing has moved for the timeout.</summary>
    public sealed class IdleDeadline : IDisposable
    {
        private readonly CancellationTokenSource source;
        private readonly TimeSpan timeout;

        public IdleDeadline(CancellationToken aborted, TimeSpan timeout)
        {
            source = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            this.timeout = timeout;
            Reset();
        }

        public CancellationToken Token => source.Token;

        public void Reset() => source.CancelAfter(timeout);

        public void Dispose() => source.Dispose();
    }
}
