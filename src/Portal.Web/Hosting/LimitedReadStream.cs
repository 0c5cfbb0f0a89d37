namespace Portal.Web.Hosting;

/// <summary>
/// A read-only view of a stream that throws <see cref="RequestBodyTooLargeException"/> once more than a limit has
/// been read from it: a request body, or what a gzip-compressed body inflates to (a small bomb stops at the limit).
/// </summary>
public sealed class LimitedReadStream(Stream inner, long limit, bool leaveOpen) : Stream
{
    private long read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!leaveOpen)
        {
            await inner.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private int Count(int bytes)
    {
        read += bytes;
        return read > limit ? throw new RequestBodyTooLargeException(limit) : bytes;
    }
}

/// <summary>413: the body, as read (or as decompressed), outgrew its limit.</summary>
public sealed class RequestBodyTooLargeException(long limit)
    : BadHttpRequestException($"The request body is larger than {limit:N0} bytes.", StatusCodes.Status413PayloadTooLarge)
{
    public long Limit => limit;
}
