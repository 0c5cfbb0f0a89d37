using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Hosting;

namespace Portal.Web.Api;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", CheckAsync).AllowAnonymous();
        return app;
    }

    /// <summary>Healthy when the database answers a query and the data folder accepts a write.</summary>
    private static async Task<IResult> CheckAsync(PortalDbContext db, DataDirectory dataDir, ILogger<PortalDbContext> logger, CancellationToken cancellationToken)
    {
        try
        {
            await db.Owners.AnyAsync(cancellationToken);
            var probe = Path.Combine(dataDir.TempPath, $"health-{Guid.NewGuid():N}");
            await File.WriteAllTextAsync(probe, "ok", cancellationToken);
            File.Delete(probe);
            return TypedResults.Ok(new { status = "healthy" });
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or DbUpdateException or Microsoft.Data.Sqlite.SqliteException)
        {
            logger.LogError(exception, "Health check failed");
            return ProblemResults.Problem(StatusCodes.Status503ServiceUnavailable, "Portal cannot use its database or data folder; see the server log.");
        }
    }
}
