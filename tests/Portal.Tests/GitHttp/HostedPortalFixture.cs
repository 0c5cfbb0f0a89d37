using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portal.Testing;

namespace Portal.Tests.GitHttp;

/// <summary>A real Portal process for git clients, with an admin who sets up users, organizations and repositories.</summary>
public class HostedPortalFixture : IAsyncLifetime
{
    public const string AdminName = "git-admin";
    public const string AdminPassword = "git-admin-password";
    private static int counter;

    public PortalProcess Portal { get; private set; } = default!;

    public HttpClient Admin { get; private set; } = default!;

    public virtual async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>
        {
            ["Portal:Admin:UserName"] = AdminName,
            ["Portal:Admin:Password"] = AdminPassword,
            ["Portal:Import:AllowLocalNetwork"] = "true",
        };
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }

        Portal = await PortalProcess.StartAsync(settings: settings);
        Admin = BasicClient(AdminName, AdminPassword);
    }

    /// <summary>Settings a derived fixture adds to the Portal it starts.</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>();

    public static string Unique(string prefix) => $"{prefix}{Environment.ProcessId % 1000}x{Interlocked.Increment(ref counter)}";

    public HttpClient BasicClient(string user, string secret)
    {
        var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{secret}")));
        return client;
    }

    public HttpClient AnonymousClient() => new() { BaseAddress = Portal.BaseAddress };

    /// <summary>A new user with a token of the given scopes.</summary>
    public async Task<GitUser> CreateUserAsync(string prefix, params string[] scopes)
    {
        var name = Unique(prefix);
        const string password = "user-password-1";
        var created = await Admin.PostAsJsonAsync("api/v1/admin/users", new { userName = name, email = $"{name}@example.test", password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var basic = BasicClient(name, password);
        var token = await basic.PostAsJsonAsync("api/v1/tokens", new { name = "git", scopes = scopes.Length == 0 ? ["read", "write", "api"] : scopes });
        Assert.Equal(HttpStatusCode.Created, token.StatusCode);
        return new GitUser(name, password, (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
    }

    public async Task<string> CreateOrganizationAsync(GitUser owner, params (GitUser User, string Role)[] members)
    {
        var org = Unique("org");
        using var client = BasicClient(owner.Name, owner.Password);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("api/v1/orgs", new { name = org })).StatusCode);
        foreach (var (user, role) in members)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"api/v1/orgs/{org}/members/{user.Name}", new { role })).StatusCode);
        }

        return org;
    }

    public async Task<string> CreateHostedAsync(GitUser creator, string owner, string visibility = "private")
    {
        var name = Unique("repo");
        using var client = BasicClient(creator.Name, creator.Password);
        var created = await client.PostAsJsonAsync("api/v1/repos", new { mode = "hosted", owner, name, visibility });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return name;
    }

    /// <summary>The clone URL, with credentials in it when given (as a user would paste them).</summary>
    public string Url(string owner, string repository, GitUser? user = null, bool useToken = true, string suffix = ".git")
    {
        var credentials = user is null ? "" : $"{user.Name}:{(useToken ? user.Token : user.Password)}@";
        return $"http://{credentials}127.0.0.1:{Portal.BaseAddress.Port}/{owner}/{repository}{suffix}";
    }

    public virtual async Task DisposeAsync()
    {
        Admin.Dispose();
        await Portal.DisposeAsync();
    }
}

public sealed record GitUser(string Name, string Password, string Token);

/// <summary>A working clone in a temporary folder, driven with the real git client.</summary>
public sealed class WorkingCopy : IDisposable
{
    private int counter;

    public WorkingCopy(string? cloneFrom = null, params string[] cloneOptions)
    {
        var parent = Directory.CreateTempSubdirectory("portal-wc-").FullName;
        Path = System.IO.Path.Combine(parent, "wc");
        if (cloneFrom is null)
        {
            TestGit.Run(parent, "init", "--quiet", "--initial-branch=main", Path);
        }
        else
        {
            TestGit.Run(parent, ["clone", "--quiet", .. cloneOptions, cloneFrom, Path]);
        }
    }

    public string Path { get; }

    public string Commit(string? file = null, byte[]? content = null)
    {
        var name = file ?? $"file{Interlocked.Increment(ref counter)}.txt";
        var full = System.IO.Path.Combine(Path, name);
        if (content is null)
        {
            File.WriteAllText(full, Guid.NewGuid() + "\n");
        }
        else
        {
            File.WriteAllBytes(full, content);
        }

        TestGit.Run(Path, "add", "--", name);
        TestGit.Run(Path, "commit", "--quiet", "-m", $"Change {name}");
        return Head;
    }

    public string Head => TestGit.Run(Path, "rev-parse", "HEAD").Trim();

    public (int ExitCode, string Output) Git(params string[] arguments) => TestGit.TryRun(Path, arguments);

    public void Dispose() => Directory.Delete(System.IO.Path.GetDirectoryName(Path)!, recursive: true);
}
