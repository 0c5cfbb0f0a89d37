using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// runs/search pages in SQL. Its usual query (one experiment's active runs, newest first, then by id) walks this index in
/// order and stops after a page: no sort of the experiment's runs, however many there are. Ordering by one metric walks
/// the second, (Key, Value) on the latest metrics, the same way. Filters on params, tags and metrics are EXISTS probes on
/// those tables' primary keys (RunId, Key), which exist already.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261126000100_RunSearchIndex")]
public sealed class RunSearchIndex : Migration
{
    private const string RunsIndex = "IX_TrackingRuns_RepositoryId_ExperimentId_LifecycleStage_StartTime_Id";
    private const string MetricsIndex = "IX_TrackingLatestMetrics_Key_Value";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateIndex(
            name: RunsIndex,
            table: "TrackingRuns",
            columns: ["RepositoryId", "ExperimentId", "LifecycleStage", "StartTime", "Id"],
            descending: [false, false, false, true, false]);
        migrationBuilder.CreateIndex(name: MetricsIndex, table: "TrackingLatestMetrics", columns: ["Key", "Value"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(name: RunsIndex, table: "TrackingRuns");
        migrationBuilder.DropIndex(name: MetricsIndex, table: "TrackingLatestMetrics");
    }
}
