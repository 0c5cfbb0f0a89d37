using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Portal.Core.Accounts;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Portal in-process on a real SQLite file in its own temporary data folder, with a clock the test controls.
/// One factory per test class; tests in a class use distinct user names.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    private static int userCounter;

    public string DataDir { get; } = Directory.CreateTempSubdirectory("portal-test-").FullName;

    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Every log line Portal wrote, at Debug and above, to search for secrets.</summary>
    public ConcurrentQueue<string> LogLines { get; } = new();

    /// <summary>Extra settings a derived fixture adds, e.g. a configured admin.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Portal:DataDir", DataDir);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddProvider(new CollectingLoggerProvider(LogLines));
        });
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            ConfigureServices(services);
        });
    }

    /// <summary>Test doubles a derived fixture adds (e.g. a host resolver with fixed answers).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public static string UniqueName(string prefix) => $"{prefix}{Interlocked.Increment(ref userCounter)}";

    /// <summary>Registers a user through the real account service; returns its name and password.</summary>
    public async Task<(string UserName, string Password)> CreateUserAsync(string prefix = "user")
    {
        var userName = UniqueName(prefix);
        const string password = "correct-horse-9";
        await using var scope = Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<AccountService>().RegisterAsync(userName, $"{userName}@example.test", password);
        Assert.True(created.Succeeded, created.Error?.Message);
        return (userName, password);
    }

    public HttpClient BasicClient(string userName, string secret)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:{secret}")));
        return client;
    }

    public HttpClient BearerClient(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Creates a token over the API exactly as a user would, with Basic username:password.</summary>
    public async Task<string> CreateTokenAsync(string userName, string password, params string[] scopes)
    {
        using var client = BasicClient(userName, password);
        var response = await client.PostAsJsonAsync("/api/v1/tokens", new { name = "test", scopes = scopes.Length == 0 ? ["api", "read", "write"] : scopes });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>();
        return body!["token"].GetString()!;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // A process we started may still hold a file for a moment; the temp folder is cleaned by the OS.
            }
        }
    }
}
