using System.Net;
using Microsoft.Extensions.Options;
using Portal.Core.Upstreams;
using Portal.Outbound;

namespace Portal.Tests.Outbound;

public sealed class OutboundAddressPolicyTests
{
    /// <summary>A resolver with fixed answers, so names can "resolve" to internal addresses in a test.</summary>
    public sealed class FixedResolver(Dictionary<string, string[]> answers) : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            Task.FromResult(answers.TryGetValue(host, out var addresses) ? addresses.Select(IPAddress.Parse).ToArray() : []);
    }

    public sealed class Monitor(ImportOptions value) : IOptionsMonitor<ImportOptions>
    {
        public ImportOptions CurrentValue => value;

        public ImportOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ImportOptions, string?> listener) => null;
    }

    private static OutboundAddressPolicy Policy(bool allowLocal = false, params string[] allowedHosts) => new(
        new FixedResolver(new()
        {
            ["public.example"] = ["93.184.216.34"],
            ["internal.example"] = ["10.0.0.1"],
            ["mixed.example"] = ["93.184.216.34", "10.0.0.1"],
            ["metadata.example"] = ["169.254.169.254"],
            ["v6.example"] = ["2606:2800:220:1:248:1893:25c8:1946"],
            ["mapped.example"] = ["::ffff:127.0.0.1"],
            ["git.corp.example"] = ["10.0.0.5"],
            ["other.corp.example"] = ["10.0.0.6"],
            ["a.corp.example"] = ["10.0.0.7"],
            ["a.b.corp.example"] = ["10.0.0.8"],
            ["corp.example"] = ["10.0.0.9"],
            ["evilcorp.example"] = ["10.0.0.10"],
            ["loopback-and-private.example"] = ["127.0.0.1", "10.0.0.1"],
        }),
        new Monitor(new ImportOptions { AllowLocalNetwork = allowLocal, AllowedHosts = [.. allowedHosts] }));

    private static Task<Checked<IPAddress>> CheckAsync(string url, bool allowLocal = false, params string[] allowedHosts) =>
        Policy(allowLocal, allowedHosts).CheckAsync(UpstreamUrl.Parse(url).Value!.Url.BareHost, CancellationToken.None);

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://127.0.0.1:22/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://127.1/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::]/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://10.1.2.3/")]
    [InlineData("http://172.16.0.1/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://224.0.0.1/")]
    [InlineData("http://255.255.255.255/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://[ff02::1]/")]
    [InlineData("http://[2002:7f00:1::]/")]
    [InlineData("http://[2002:a9fe:a9fe::1]/")]
    [InlineData("http://[::ffff:0:7f00:1]/")]
    [InlineData("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/")]
    [InlineData("https://internal.example/repo.git")]
    [InlineData("https://mixed.example/repo.git")]
    [InlineData("https://metadata.example/repo.git")]
    [InlineData("https://mapped.example/repo.git")]
    [InlineData("git@internal.example:org/repo.git")]
    public async Task RefusesInternalAddresses(string url)
    {
        var checkedAddress = await CheckAsync(url);

        Assert.False(checkedAddress.Succeeded);
        Assert.Contains("internal address", checkedAddress.Refusal!);
        Assert.Contains("AllowLocalNetwork", checkedAddress.Refusal);
    }

    [Theory]
    [InlineData("https://public.example/repo.git", "93.184.216.34")]
    [InlineData("https://93.184.216.34/repo.git", "93.184.216.34")]
    [InlineData("https://v6.example/repo.git", "2606:2800:220:1:248:1893:25c8:1946")]
    public async Task AllowsPublicAddresses_AndReturnsTheOneToPin(string url, string pinned)
    {
        var checkedAddress = await CheckAsync(url);

        Assert.True(checkedAddress.Succeeded, checkedAddress.Refusal);
        Assert.Equal(IPAddress.Parse(pinned), checkedAddress.Value);
    }

    [Fact]
    public async Task AllowLocalNetwork_LetsLoopbackThrough()
    {
        var checkedAddress = await CheckAsync("http://127.0.0.1:8080/repo.git", allowLocal: true);

        Assert.Equal(IPAddress.Loopback, checkedAddress.Value);
    }

    [Fact]
    public async Task UnresolvableName_IsRefusedWithAHint()
    {
        var checkedAddress = await CheckAsync("https://nowhere.example/repo.git");

        Assert.Contains("could not resolve", checkedAddress.Refusal!);
    }

    [Theory]
    [InlineData("127.0.0.1", "http://127.0.0.1:8080/r.git", true)]
    [InlineData("127.0.0.1", "http://127.0.0.2:8080/r.git", false)]
    [InlineData("127.0.0.1", "http://0x7f000001/r.git", true)]
    [InlineData("127.0.0.1", "http://[::ffff:127.0.0.1]/r.git", true)]
    [InlineData("127.0.0.1", "https://loopback-and-private.example/r.git", false)]
    [InlineData("10.0.0.0/8", "http://10.1.2.3/r.git", true)]
    [InlineData("10.0.0.0/8", "https://git.corp.example/r.git", true)]
    [InlineData("10.0.0.0/8", "http://172.16.0.1/r.git", false)]
    [InlineData("10.0.0.0/8", "http://127.0.0.1/r.git", false)]
    [InlineData("fd00::/8", "http://[fd00::1]/r.git", true)]
    [InlineData("fd00::/8", "http://[fe80::1]/r.git", false)]
    [InlineData("::1", "http://[::1]/r.git", true)]
    [InlineData("git.corp.example", "https://git.corp.example/r.git", true)]
    [InlineData("GIT.Corp.Example", "https://git.corp.example/r.git", true)]
    [InlineData("git.corp.example", "https://other.corp.example/r.git", false)]
    [InlineData("git.corp.example", "http://10.0.0.5/r.git", false)]
    [InlineData("*.corp.example", "https://a.corp.example/r.git", true)]
    [InlineData("*.corp.example", "https://a.b.corp.example/r.git", true)]
    [InlineData("*.corp.example", "https://corp.example/r.git", false)]
    [InlineData("*.corp.example", "https://evilcorp.example/r.git", false)]
    [InlineData("169.254.169.254", "https://metadata.example/r.git", true)]
    [InlineData("169.254.169.254", "http://169.254.169.253/r.git", false)]
    public async Task AllowedHosts_AllowExactlyTheListedHostsAddressesAndRanges(string entry, string url, bool allowed)
    {
        var checkedAddress = await CheckAsync(url, false, entry);

        Assert.True(allowed == checkedAddress.Succeeded, checkedAddress.Refusal ?? $"{url} was allowed by {entry}");
        if (!allowed)
        {
            Assert.Contains("AllowedHosts", checkedAddress.Refusal!);
        }
    }

    [Fact]
    public async Task AllowedHosts_DoNotChangeTheAnswerForPublicHosts()
    {
        var checkedAddress = await CheckAsync("https://public.example/repo.git", false, "10.0.0.0/8");

        Assert.Equal(IPAddress.Parse("93.184.216.34"), checkedAddress.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("http://git.corp.example")]
    [InlineData("git.corp.example:443")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.1.0.0/8")]
    [InlineData("1.2.3.4/x")]
    [InlineData("::1/129")]
    [InlineData("127.1")]
    [InlineData("0x7f000001")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("*.*.corp.example")]
    [InlineData("git.*.example")]
    [InlineData("a b")]
    public void InvalidAllowedHostsEntry_IsRefusedNamingTheEntry(string entry)
    {
        var parsed = AllowedHostList.Parse(["127.0.0.1", entry]);

        Assert.False(parsed.Succeeded);
        Assert.Contains($"Portal:Import:AllowedHosts:1 = '{entry}'", parsed.Refusal!);
        Assert.DoesNotContain("AllowedHosts:0", parsed.Refusal);
    }
}
