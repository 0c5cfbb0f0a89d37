namespace Portal.Tests.Infrastructure;

/// <summary>A clock tests move by hand, so expiry and backoff are tested without sleeping.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
