using System.Net;
using Microsoft.Extensions.Options;
using Portal.Core.Mirroring;

namespace Portal.Tests.Mirroring;

public sealed class UpstreamAddressPolicyTests
{
    /// <summary>A resolver with fixed answers, so names can "resolve" to internal addresses in a test.</summary>
    public sealed class FixedResolver(Dictionary<string, string[]> answers) : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            Task.FromResult(answers.TryGetValue(host, out var addresses) ? addresses.Select(IPAddress.Parse).ToArray() : []);
    }

    private sealed class Monitor(ImportOptions value) : IOptionsMonitor<ImportOptions>
    {
        public ImportOptions CurrentValue => value;

        public ImportOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ImportOptions, string?> listener) => null;
    }

    private static UpstreamAddressPolicy Policy(bool allowLocal = false) => new(
        new FixedResolver(new()
        {
            ["public.example"] = ["93.184.216.34"],
            ["internal.example"] = ["10.0.0.1"],
            ["mixed.example"] = ["93.184.216.34", "10.0.0.1"],
            ["metadata.example"] = ["169.254.169.254"],
            ["v6.example"] = ["2606:2800:220:1:248:1893:25c8:1946"],
            ["mapped.example"] = ["::ffff:127.0.0.1"],
        }),
        new Monitor(new ImportOptions { AllowLocalNetwork = allowLocal }));

    private static Task<Portal.Core.Outcome<IPAddress>> CheckAsync(string url, bool allowLocal = false) =>
        Policy(allowLocal).CheckAsync(UpstreamUrl.Parse(url).Value!.Url, CancellationToken.None);

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
    [InlineData("https://internal.example/repo.git")]
    [InlineData("https://mixed.example/repo.git")]
    [InlineData("https://metadata.example/repo.git")]
    [InlineData("https://mapped.example/repo.git")]
    [InlineData("git@internal.example:org/repo.git")]
    public async Task RefusesInternalAddresses(string url)
    {
        var checkedAddress = await CheckAsync(url);

        Assert.False(checkedAddress.Succeeded);
        Assert.Contains("internal address", checkedAddress.Error!.Message);
        Assert.Contains("AllowLocalNetwork", checkedAddress.Error.Message);
    }

    [Theory]
    [InlineData("https://public.example/repo.git", "93.184.216.34")]
    [InlineData("https://93.184.216.34/repo.git", "93.184.216.34")]
    [InlineData("https://v6.example/repo.git", "2606:2800:220:1:248:1893:25c8:1946")]
    public async Task AllowsPublicAddresses_AndReturnsTheOneToPin(string url, string pinned)
    {
        var checkedAddress = await CheckAsync(url);

        Assert.True(checkedAddress.Succeeded, checkedAddress.Error?.Message);
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

        Assert.Contains("could not resolve", checkedAddress.Error!.Message);
    }
}
