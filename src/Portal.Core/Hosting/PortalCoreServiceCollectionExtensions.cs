using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Accounts;
using Portal.Core.Data;
using Portal.Core.Organizations;
using Portal.Core.Security;
using Portal.Core.Tokens;

namespace Portal.Core.Hosting;

public static class PortalCoreServiceCollectionExtensions
{
    /// <summary>The data folder, the SQLite database in it, Data Protection keys in it, and the start-up initializer.</summary>
    public static IServiceCollection AddPortalData(this IServiceCollection services, IConfiguration configuration)
    {
        SqliteNativeShim.Install();
        services.AddOptions<PortalOptions>().Bind(configuration.GetSection(PortalOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        // Resolved once from configuration: every later path is derived from it, and the folders must exist
        // before the database or the key ring is first opened.
        var dataDir = new DataDirectory(configuration[$"{PortalOptions.Section}:{nameof(PortalOptions.DataDir)}"] ?? "data");
        dataDir.EnsureCreated();
        services.AddSingleton(dataDir);
        services.TryAddSingletonTimeProvider();

        services.AddDbContext<PortalDbContext>(options => options.UseSqlite(SqliteConnectionString(dataDir)));
        services.AddDataProtection()
            .SetApplicationName("Portal")
            .PersistKeysToFileSystem(new DirectoryInfo(dataDir.KeysPath));
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }

    /// <summary>Accounts, organizations, tokens and secret protection.</summary>
    public static IServiceCollection AddPortalDomain(this IServiceCollection services)
    {
        services.AddScoped<AccountService>();
        services.AddScoped<OwnerService>();
        services.AddScoped<OwnerNameReservation>();
        services.AddScoped<OrganizationService>();
        services.AddScoped<PersonalAccessTokenService>();
        services.AddSingleton<SecretProtector>();
        return services;
    }

    internal static string SqliteConnectionString(DataDirectory dataDir) =>
        // Default Timeout is SQLite's busy timeout: concurrent writers wait instead of failing at once.
        $"Data Source={dataDir.DatabasePath};Foreign Keys=True;Default Timeout=30;Pooling=True";

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
