using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// Events: each mirror's inbound webhook secret (UpstreamWebhooks), outbound webhooks of repositories and organizations
/// (WebhookSubscriptions) and their recent deliveries (WebhookDeliveries; each delivery's state is its job's). Jobs keep
/// the trigger of a coalesced request (RerunTrigger), so the run it asks for says it came from a webhook.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261124000300_Webhooks")]
public sealed class AddWebhooks : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "RerunTrigger", table: "Jobs", type: "TEXT", maxLength: 16, nullable: true);

        migrationBuilder.CreateTable(
            name: "UpstreamWebhooks",
            columns: table => new
            {
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                ProtectedSecret = table.Column<string>(type: "TEXT", nullable: false),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                RotatedAt = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_UpstreamWebhooks", x => x.RepositoryId);
                table.ForeignKey(
                    name: "FK_UpstreamWebhooks_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "WebhookSubscriptions",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: true),
                OrganizationId = table.Column<long>(type: "INTEGER", nullable: true),
                Url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                ProtectedSecret = table.Column<string>(type: "TEXT", nullable: false),
                Events = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                Active = table.Column<bool>(type: "INTEGER", nullable: false),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                UpdatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookSubscriptions", x => x.Id);
                table.CheckConstraint("CK_WebhookSubscriptions_OneScope", "(\"RepositoryId\" IS NULL) <> (\"OrganizationId\" IS NULL)");
                table.ForeignKey(
                    name: "FK_WebhookSubscriptions_Organizations_OrganizationId",
                    column: x => x.OrganizationId,
                    principalTable: "Organizations",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
                table.ForeignKey(
                    name: "FK_WebhookSubscriptions_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "WebhookDeliveries",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                SubscriptionId = table.Column<long>(type: "INTEGER", nullable: false),
                Guid = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                Event = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                RequestBody = table.Column<string>(type: "TEXT", nullable: false),
                RedeliveryOf = table.Column<long>(type: "INTEGER", nullable: true),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                LastAttemptAt = table.Column<string>(type: "TEXT", nullable: true),
                ResponseStatus = table.Column<int>(type: "INTEGER", nullable: true),
                DurationMs = table.Column<int>(type: "INTEGER", nullable: true),
                ResponseSnippet = table.Column<string>(type: "TEXT", nullable: true),
                Error = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookDeliveries", x => x.Id);
                table.ForeignKey(
                    name: "FK_WebhookDeliveries_WebhookSubscriptions_SubscriptionId",
                    column: x => x.SubscriptionId,
                    principalTable: "WebhookSubscriptions",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(name: "IX_WebhookSubscriptions_OrganizationId", table: "WebhookSubscriptions", column: "OrganizationId");
        migrationBuilder.CreateIndex(name: "IX_WebhookSubscriptions_RepositoryId", table: "WebhookSubscriptions", column: "RepositoryId");
        migrationBuilder.CreateIndex(name: "IX_WebhookDeliveries_SubscriptionId", table: "WebhookDeliveries", column: "SubscriptionId");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "WebhookDeliveries");
        migrationBuilder.DropTable(name: "WebhookSubscriptions");
        migrationBuilder.DropTable(name: "UpstreamWebhooks");
        migrationBuilder.DropColumn(name: "RerunTrigger", table: "Jobs");
    }
}
