using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// The claim index orders priority descending, as the claim does: with it ascending, SQLite sorted every queued job of
/// the kind on each claim ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"), which cost a quarter of the no-op sync
/// throughput with 10,000 mirrors due.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261124000400_JobClaimIndex")]
public sealed class JobClaimIndex : Migration
{
    private const string Name = "IX_Jobs_Kind_Status_Priority_QueuedAt";
    private static readonly string[] Columns = ["Kind", "Status", "Priority", "QueuedAt"];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(name: Name, table: "Jobs");
        migrationBuilder.CreateIndex(name: Name, table: "Jobs", columns: Columns, descending: [false, false, true, false]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(name: Name, table: "Jobs");
        migrationBuilder.CreateIndex(name: Name, table: "Jobs", columns: Columns);
    }
}
