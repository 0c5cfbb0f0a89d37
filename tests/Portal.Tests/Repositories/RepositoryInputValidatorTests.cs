using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core;
using Portal.Core.Accounts;
using Portal.Core.Repositories;
using Portal.Core.Upstreams;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Repositories;

/// <summary>Portal with sync intervals other than the defaults, so texts and bounds that follow the settings show it.</summary>
public sealed class TwoHourMinimumPortalFactory : PortalFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Portal:Sync:MinInterval"] = "02:00:00",
        ["Portal:Sync:DefaultInterval"] = "12:00:00",
    };
}

/// <summary>The one set of checks creating and editing a repository share, on the real services (SQLite, ssh-keygen, the address policy).</summary>
public sealed class RepositoryInputValidatorTests(TwoHourMinimumPortalFactory portal) : IClassFixture<TwoHourMinimumPortalFactory>
{
    private static ParsedUpstreamUrl Url(string text) => UpstreamUrl.Parse(text).Value!;

    private async Task<T> WithValidatorAsync<T>(Func<RepositoryInputValidator, IServiceProvider, Task<T>> use)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<RepositoryInputValidator>(), scope.ServiceProvider);
    }

    private async Task<string> UserIdAsync(string prefix)
    {
        var (name, _) = await portal.CreateUserAsync(prefix);
        await using var scope = portal.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(name))!.Id;
    }

    [Fact]
    public void Description_IsTrimmed_NullMeansUnchanged_AndLongOnesAreRefused()
    {
        Assert.Equal("App code", RepositoryInputValidator.Description("  App code \n").Value);
        Assert.Null(RepositoryInputValidator.Description(null).Value);
        Assert.True(RepositoryInputValidator.Description(new string('x', 2000)).Succeeded);

        var tooLong = RepositoryInputValidator.Description(new string('x', 2001));

        Assert.Equal(PortalErrorKind.Invalid, tooLong.Error?.Kind);
        Assert.Contains("2000 characters", tooLong.Error!.Message);
    }

    [Fact]
    public void Visibility_FallsBackWhenNotGiven_AndRefusesValuesOutsideTheEnum()
    {
        Assert.Equal(RepositoryVisibility.Private, RepositoryInputValidator.Visibility(null, RepositoryVisibility.Private).Value);
        Assert.Equal(RepositoryVisibility.Public, RepositoryInputValidator.Visibility(RepositoryVisibility.Public, RepositoryVisibility.Private).Value);

        var unknown = RepositoryInputValidator.Visibility((RepositoryVisibility)42, RepositoryVisibility.Private);

        Assert.Equal("Visibility must be \"public\", \"internal\" or \"private\".", unknown.Error?.Message);
    }

    [Fact]
    public async Task Interval_FollowsPortalSyncSettings()
    {
        var (unset, oneHour, twoHours, overAYear, bounds) = await WithValidatorAsync((v, _) => Task.FromResult(
            (v.Interval(null), v.Interval(1), v.Interval(2), v.Interval((24 * 365) + 1), (v.MinIntervalHours, v.DefaultIntervalHours))));

        Assert.Equal(TimeSpan.FromHours(12), unset.Value);
        Assert.Equal("The sync interval must be between 2 hour(s) and a year.", oneHour.Error?.Message);
        Assert.Equal(TimeSpan.FromHours(2), twoHours.Value);
        Assert.Equal(PortalErrorKind.Invalid, overAYear.Error?.Kind);
        Assert.Equal((2, 12), bounds);
    }

    [Theory]
    [InlineData("https://host.example/org/repo.git", null, "tok", "deploy-key-id", "works over SSH only")]
    [InlineData("ssh://git@host.example/org/repo.git", null, "pw", null, "deploy key, not a password")]
    [InlineData("git@host.example:org/repo.git", null, "pw", null, "deploy key, not a password")]
    [InlineData("git://host.example/org/repo.git", null, "tok", null, "git:// has no authentication")]
    [InlineData("https://host.example/org/repo.git", "bot\u0007", "tok", null, "control characters")]
    [InlineData("ssh://git@host.example/org/repo.git", null, null, "no-such-key", "does not exist or is not yours")]
    public async Task Credentials_ThatCannotWorkForTheUpstream_AreRefusedWithWhatToDo(string url, string? user, string? secret, string? deployKeyId, string reason)
    {
        var resolved = await WithValidatorAsync((v, _) => v.CredentialsAsync("nobody", Url(url), new UpstreamAuthRequest(user, secret, deployKeyId), default));

        Assert.Equal(PortalErrorKind.Invalid, resolved.Error?.Kind);
        Assert.Contains(reason, resolved.Error!.Message);
    }

    [Fact]
    public async Task Credentials_FromTheUrl_AreUsedWhenNoneAreGiven_AndANameWithoutASecretIsNone()
    {
        var embedded = await WithValidatorAsync((v, _) => v.CredentialsAsync("nobody", Url("https://bot:s3cret@host.example/org/repo.git"), null, default));
        var nameOnly = await WithValidatorAsync((v, _) => v.CredentialsAsync("nobody", Url("https://host.example/org/repo.git"), new UpstreamAuthRequest("bot", "", null), default));

        Assert.Equal(new UpstreamCredentials("bot", "s3cret", null), embedded.Value!.Credentials);
        Assert.Equal(UpstreamAuthKind.None, nameOnly.Value!.Credentials.AuthKind);
    }

    [Fact]
    public async Task Credentials_ADeployKey_IsUsableOnlyByWhoeverGeneratedIt()
    {
        var owner = await UserIdAsync("keyowner");
        var other = await UserIdAsync("keyother");
        var key = await WithValidatorAsync((_, services) => services.GetRequiredService<DeployKeyService>().CreatePendingAsync(owner, default));
        var upstream = Url("git@host.example:org/repo.git");

        var mine = await WithValidatorAsync((v, _) => v.CredentialsAsync(owner, upstream, new UpstreamAuthRequest(null, null, key.Id), default));
        var theirs = await WithValidatorAsync((v, _) => v.CredentialsAsync(other, upstream, new UpstreamAuthRequest(null, null, key.Id), default));

        Assert.Equal(UpstreamAuthKind.SshKey, mine.Value!.Credentials.AuthKind);
        Assert.Equal(key.PublicKey, mine.Value.PublicKey);
        Assert.Contains("not yours", theirs.Error?.Message);
    }

    [Fact]
    public async Task HostKeys_OnlyForSsh_AndEmptyForgetsThemOnlyInAnEdit()
    {
        var ssh = Url("ssh://git@host.example/org/repo.git").Url;
        var (none, forget, emptyOnCreate, https) = await WithValidatorAsync(async (v, _) => (
            await v.HostKeysAsync(null, ssh, default),
            await v.HostKeysAsync(" ", ssh, default, allowEmpty: true),
            await v.HostKeysAsync(" ", ssh, default),
            await v.HostKeysAsync("host.example ssh-ed25519 AAAA", Url("https://host.example/org/repo.git").Url, default)));

        Assert.True(none.Succeeded && none.Value is null);
        Assert.True(forget.Succeeded && forget.Value is null);
        Assert.Contains("at least one host key", emptyOnCreate.Error?.Message);
        Assert.Contains("ssh:// (and user@host:path) upstreams only", https.Error?.Message);
    }

    [Fact]
    public async Task LfsUrl_BlankMeansDerived_OthersPassTheUrlAndAddressPolicy()
    {
        var (blank, ssh, loopback) = await WithValidatorAsync(async (v, _) => (
            await v.LfsUrlAsync("  ", default),
            await v.LfsUrlAsync("ssh://git@host.example/x", default),
            await v.LfsUrlAsync("https://127.0.0.1/team/app.git/info/lfs", default)));

        Assert.True(blank.Succeeded && blank.Value is null);
        Assert.Equal(PortalErrorKind.Invalid, ssh.Error?.Kind);
        Assert.StartsWith("LFS URL:", loopback.Error?.Message);
    }
}
