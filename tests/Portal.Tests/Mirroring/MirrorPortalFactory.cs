using Portal.Tests.Infrastructure;

namespace Portal.Tests.Mirroring;

/// <summary>Portal allowed to import from 127.0.0.1 (where the test upstreams run), with the scheduler driven by the tests.</summary>
public class MirrorPortalFactory : PortalFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Portal:Import:AllowLocalNetwork"] = "true",
        // The tests run scheduler passes themselves (JobScheduler.RunPassAsync) after moving the clock.
        ["Portal:Jobs:SchedulerPeriod"] = "01:00:00",
        ["Portal:Sync:MaxConcurrent"] = "4",
    };
}
