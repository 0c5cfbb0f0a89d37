using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// Metric values may be NaN, as in MLflow: SQLite stores a bound NaN as NULL, so the two "Value" columns become nullable
/// (NULL means NaN). SQLite cannot drop NOT NULL in place, so each table is rebuilt with its rows, keys and index.
/// And Git LFS file locks, one per path of a repository.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261124000100_MetricNaNAndLfsLocks")]
public sealed class MetricNaNAndLfsLocks : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        Rebuild(migrationBuilder, valueNullable: true);
        migrationBuilder.CreateTable(
            name: "LfsLocks",
            columns: table => new
            {
                Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Path = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                OwnerUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                OwnerName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                LockedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_LfsLocks", x => x.Id);
                table.ForeignKey(
                    name: "FK_LfsLocks_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_LfsLocks_RepositoryId_Path", table: "LfsLocks", columns: ["RepositoryId", "Path"], unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "LfsLocks");
        // NaN has no NOT NULL form: those rows cannot go back.
        migrationBuilder.Sql("DELETE FROM \"TrackingMetrics\" WHERE \"Value\" IS NULL;");
        migrationBuilder.Sql("DELETE FROM \"TrackingLatestMetrics\" WHERE \"Value\" IS NULL;");
        Rebuild(migrationBuilder, valueNullable: false);
    }

    private static void Rebuild(MigrationBuilder migrationBuilder, bool valueNullable)
    {
        var value = valueNullable ? "\"Value\" REAL NULL" : "\"Value\" REAL NOT NULL";
        migrationBuilder.Sql($"""
            CREATE TABLE "ef_temp_TrackingMetrics" (
                "Id" INTEGER NOT NULL CONSTRAINT "PK_TrackingMetrics" PRIMARY KEY AUTOINCREMENT,
                "RunId" TEXT NOT NULL,
                "Key" TEXT NOT NULL,
                {value},
                "Timestamp" INTEGER NOT NULL,
                "Step" INTEGER NOT NULL,
                CONSTRAINT "FK_TrackingMetrics_TrackingRuns_RunId" FOREIGN KEY ("RunId") REFERENCES "TrackingRuns" ("Id") ON DELETE CASCADE
            );
            """);
        migrationBuilder.Sql("INSERT INTO \"ef_temp_TrackingMetrics\" (\"Id\", \"RunId\", \"Key\", \"Value\", \"Timestamp\", \"Step\") SELECT \"Id\", \"RunId\", \"Key\", \"Value\", \"Timestamp\", \"Step\" FROM \"TrackingMetrics\";");
        migrationBuilder.Sql("DROP TABLE \"TrackingMetrics\";");
        migrationBuilder.Sql("ALTER TABLE \"ef_temp_TrackingMetrics\" RENAME TO \"TrackingMetrics\";");
        migrationBuilder.Sql("CREATE INDEX \"IX_TrackingMetrics_RunId_Key_Step\" ON \"TrackingMetrics\" (\"RunId\", \"Key\", \"Step\");");

        migrationBuilder.Sql($"""
            CREATE TABLE "ef_temp_TrackingLatestMetrics" (
                "RunId" TEXT NOT NULL,
                "Key" TEXT NOT NULL,
                {value},
                "Timestamp" INTEGER NOT NULL,
                "Step" INTEGER NOT NULL,
                CONSTRAINT "PK_TrackingLatestMetrics" PRIMARY KEY ("RunId", "Key"),
                CONSTRAINT "FK_TrackingLatestMetrics_TrackingRuns_RunId" FOREIGN KEY ("RunId") REFERENCES "TrackingRuns" ("Id") ON DELETE CASCADE
            );
            """);
        migrationBuilder.Sql("INSERT INTO \"ef_temp_TrackingLatestMetrics\" (\"RunId\", \"Key\", \"Value\", \"Timestamp\", \"Step\") SELECT \"RunId\", \"Key\", \"Value\", \"Timestamp\", \"Step\" FROM \"TrackingLatestMetrics\";");
        migrationBuilder.Sql("DROP TABLE \"TrackingLatestMetrics\";");
        migrationBuilder.Sql("ALTER TABLE \"ef_temp_TrackingLatestMetrics\" RENAME TO \"TrackingLatestMetrics\";");
    }
}
