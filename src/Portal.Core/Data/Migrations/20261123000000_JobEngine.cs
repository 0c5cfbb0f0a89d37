using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// One table for every kind of background work (the job engine): each mirror's sync state moves from SyncStates into a
/// "mirror-sync" job row, keeping status, times, failures, the queued trigger and any lease.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261123000000_JobEngine")]
public sealed class AddJobEngine : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Jobs",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                Kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                TargetId = table.Column<long>(type: "INTEGER", nullable: false),
                Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                Priority = table.Column<int>(type: "INTEGER", nullable: false),
                QueuedTrigger = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                QueuedBy = table.Column<string>(type: "TEXT", nullable: true),
                QueuedAt = table.Column<string>(type: "TEXT", nullable: true),
                DueAt = table.Column<string>(type: "TEXT", nullable: true),
                LastAttemptAt = table.Column<string>(type: "TEXT", nullable: true),
                LastSuccessAt = table.Column<string>(type: "TEXT", nullable: true),
                LastManualRequestAt = table.Column<string>(type: "TEXT", nullable: true),
                LastError = table.Column<string>(type: "TEXT", nullable: true),
                ConsecutiveFailures = table.Column<int>(type: "INTEGER", nullable: false),
                RerunRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                LeaseOwner = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                LeaseExpiresAt = table.Column<string>(type: "TEXT", nullable: true),
                Version = table.Column<int>(type: "INTEGER", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_Jobs", x => x.Id));

        migrationBuilder.CreateIndex(name: "IX_Jobs_Kind_TargetId", table: "Jobs", columns: ["Kind", "TargetId"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_Jobs_Kind_Status_Priority_QueuedAt", table: "Jobs", columns: ["Kind", "Status", "Priority", "QueuedAt"]);
        migrationBuilder.CreateIndex(name: "IX_Jobs_DueAt", table: "Jobs", column: "DueAt");
        migrationBuilder.CreateIndex(name: "IX_Jobs_LeaseExpiresAt", table: "Jobs", column: "LeaseExpiresAt");

        // Manual, API and import requests were claimed first before too; a queued row keeps its place by its last attempt.
        migrationBuilder.Sql("""
            INSERT INTO "Jobs" ("Kind", "TargetId", "Status", "Priority", "QueuedTrigger", "QueuedBy", "QueuedAt", "DueAt",
                                "LastAttemptAt", "LastSuccessAt", "LastManualRequestAt", "LastError", "ConsecutiveFailures",
                                "RerunRequested", "LeaseOwner", "LeaseExpiresAt", "Version")
            SELECT 'mirror-sync', "RepositoryId", "Status",
                   CASE WHEN "QueuedTrigger" IS NULL OR "QueuedTrigger" = 'Schedule' THEN 0 ELSE 1 END,
                   "QueuedTrigger", "QueuedBy",
                   CASE WHEN "Status" = 'Queued' THEN COALESCE("LastAttemptAt", strftime('%Y-%m-%d %H:%M:%f', 'now')) END,
                   "NextSyncAt", "LastAttemptAt", "LastSuccessAt", "LastManualSyncAt", "LastError", "ConsecutiveFailures",
                   0, "LeaseOwner", "LeaseExpiresAt", 0
            FROM "SyncStates";
            """);
        migrationBuilder.DropTable(name: "SyncStates");
    }

    protected override void Down(MigrationBuilder migrationBuilder) =>
        throw new NotSupportedException("The job engine migration is not reversible: restore the data folder's backup instead.");
}
