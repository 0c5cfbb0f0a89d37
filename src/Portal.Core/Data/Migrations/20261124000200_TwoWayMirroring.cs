using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// Two-way mirroring: write-through and branch filters on pull mirrors, protected-branch rules, and push mirrors with
/// their (encrypted) credentials. Existing mirrors keep mirroring everything, tags included, read-only.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261124000200_TwoWayMirroring")]
public sealed class TwoWayMirroring : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<bool>(name: "WriteThrough", table: "UpstreamSources", type: "INTEGER", nullable: false, defaultValue: false);
        migrationBuilder.AddColumn<string>(name: "BranchFilter", table: "UpstreamSources", type: "TEXT", maxLength: 256, nullable: true);
        migrationBuilder.AddColumn<bool>(name: "OnlyProtectedBranches", table: "UpstreamSources", type: "INTEGER", nullable: false, defaultValue: false);
        migrationBuilder.AddColumn<bool>(name: "MirrorTags", table: "UpstreamSources", type: "INTEGER", nullable: false, defaultValue: true);

        migrationBuilder.CreateTable(
            name: "ProtectedBranches",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Pattern = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                AllowForcePush = table.Column<bool>(type: "INTEGER", nullable: false),
                AllowDeletion = table.Column<bool>(type: "INTEGER", nullable: false),
                PushAccess = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                UpdatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ProtectedBranches", x => x.Id);
                table.ForeignKey(
                    name: "FK_ProtectedBranches_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_ProtectedBranches_RepositoryId_Pattern", table: "ProtectedBranches", columns: ["RepositoryId", "Pattern"], unique: true);

        migrationBuilder.CreateTable(
            name: "PushMirrors",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                AuthKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                PinnedHostKey = table.Column<string>(type: "TEXT", nullable: true),
                KeepDivergentRefs = table.Column<bool>(type: "INTEGER", nullable: false),
                OnlyProtectedBranches = table.Column<bool>(type: "INTEGER", nullable: false),
                BranchFilter = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                MirrorTags = table.Column<bool>(type: "INTEGER", nullable: false),
                Lfs = table.Column<bool>(type: "INTEGER", nullable: false),
                IntervalMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                DivergedRefs = table.Column<string>(type: "TEXT", nullable: true),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                UpdatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PushMirrors", x => x.Id);
                table.ForeignKey(
                    name: "FK_PushMirrors_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_PushMirrors_RepositoryId", table: "PushMirrors", column: "RepositoryId");

        migrationBuilder.CreateTable(
            name: "PushMirrorCredentials",
            columns: table => new
            {
                PushMirrorId = table.Column<long>(type: "INTEGER", nullable: false),
                Username = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                ProtectedSecret = table.Column<string>(type: "TEXT", nullable: true),
                ProtectedSshPrivateKey = table.Column<string>(type: "TEXT", nullable: true),
                SshPublicKey = table.Column<string>(type: "TEXT", nullable: true),
                UpdatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PushMirrorCredentials", x => x.PushMirrorId);
                table.ForeignKey(
                    name: "FK_PushMirrorCredentials_PushMirrors_PushMirrorId",
                    column: x => x.PushMirrorId,
                    principalTable: "PushMirrors",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "PushMirrorCredentials");
        migrationBuilder.DropTable(name: "PushMirrors");
        migrationBuilder.DropTable(name: "ProtectedBranches");
        migrationBuilder.DropColumn(name: "WriteThrough", table: "UpstreamSources");
        migrationBuilder.DropColumn(name: "BranchFilter", table: "UpstreamSources");
        migrationBuilder.DropColumn(name: "OnlyProtectedBranches", table: "UpstreamSources");
        migrationBuilder.DropColumn(name: "MirrorTags", table: "UpstreamSources");
    }
}
