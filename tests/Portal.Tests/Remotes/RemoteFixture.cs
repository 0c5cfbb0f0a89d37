using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Remotes;

/// <summary>Portal with a small storage quota, so the quota test needs only kilobytes.</summary>
public sealed class RemotePortalFactory : PortalFactory
{
    public const long Quota = 64 * 1024;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Portal:Storage:QuotaBytesPerRepo"] = Quota.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A user with full and read-only tokens, owning a new hosted repository.</summary>
    public async Task<(string User, string Token, string ReadToken, string Repository)> CreateProjectAsync(string visibility = "private")
    {
        var (user, password) = await CreateUserAsync("data");
        var token = await CreateTokenAsync(user, password, "api", "read", "write");
        var readToken = await CreateTokenAsync(user, password, "read");
        var name = UniqueName("proj");
        using var api = BearerClient(token);
        var created = await api.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name, visibility });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (user, token, readToken, name);
    }
}
