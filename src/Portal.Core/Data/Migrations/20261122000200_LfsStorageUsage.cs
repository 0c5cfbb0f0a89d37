using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// Git LFS objects count against the repository's storage quota beside DVC objects: two counters on StorageUsages.
/// Objects stored before this migration start uncounted (the counters are kept by uploads, not by scanning disks).
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261122000200_LfsStorageUsage")]
public sealed class LfsStorageUsage : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(name: "LfsObjects", table: "StorageUsages", type: "INTEGER", nullable: false, defaultValue: 0L);
        migrationBuilder.AddColumn<long>(name: "LfsBytes", table: "StorageUsages", type: "INTEGER", nullable: false, defaultValue: 0L);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "LfsObjects", table: "StorageUsages");
        migrationBuilder.DropColumn(name: "LfsBytes", table: "StorageUsages");
    }
}
