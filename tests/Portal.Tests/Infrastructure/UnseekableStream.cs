namespace Portal.Tests.Infrastructure;

/// <summary>A body whose length an HTTP client cannot know in advance, so it is sent chunked (no Content-Length).</summary>
internal sealed class UnseekableStream(byte[] content) : MemoryStream(content)
{
    public override bool CanSeek => false;
}
