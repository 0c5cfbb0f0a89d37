using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// MLflow artifacts count against the repository's storage quota beside DVC and Git LFS: two counters on StorageUsages.
/// Unlike the content-addressed stores they also go down, when an artifact is overwritten or deleted.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261125000100_ArtifactStorageUsage")]
public sealed class ArtifactStorageUsage : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(name: "ArtifactObjects", table: "StorageUsages", type: "INTEGER", nullable: false, defaultValue: 0L);
        migrationBuilder.AddColumn<long>(name: "ArtifactBytes", table: "StorageUsages", type: "INTEGER", nullable: false, defaultValue: 0L);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "ArtifactObjects", table: "StorageUsages");
        migrationBuilder.DropColumn(name: "ArtifactBytes", table: "StorageUsages");
    }
}
