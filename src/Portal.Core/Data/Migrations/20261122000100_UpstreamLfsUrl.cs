using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>A mirror's own Git LFS endpoint, set by a maintainer (null: derived from the upstream URL).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261122000100_UpstreamLfsUrl")]
public sealed class UpstreamLfsUrl : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(
            name: "LfsUrl",
            table: "UpstreamSources",
            type: "TEXT",
            maxLength: 2048,
            nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "LfsUrl", table: "UpstreamSources");
    }
}
