using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// The first schema: Identity, the shared owner namespace, organizations, tokens, repositories with their upstream,
/// credentials, sync state and activity. Hand-written (Microsoft.EntityFrameworkCore.Design cannot restore here);
/// MigrationSchemaTests proves a database migrated from zero matches the model.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261121000000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "AspNetRoles",
            columns: table => new
            {
                Id = table.Column<string>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", nullable: true),
                NormalizedName = table.Column<string>(type: "TEXT", nullable: true),
                ConcurrencyStamp = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetRoles", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "Owners",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                Name = table.Column<string>(type: "TEXT", nullable: false),
                Slug = table.Column<string>(type: "TEXT", nullable: false),
                Kind = table.Column<string>(type: "TEXT", nullable: false),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Owners", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "AspNetRoleClaims",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RoleId = table.Column<string>(type: "TEXT", nullable: false),
                ClaimType = table.Column<string>(type: "TEXT", nullable: true),
                ClaimValue = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetRoleClaims", x => x.Id);
                table.ForeignKey(
                    name: "FK_AspNetRoleClaims_AspNetRoles_RoleId",
                    column: x => x.RoleId,
                    principalTable: "AspNetRoles",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "AspNetUsers",
            columns: table => new
            {
                Id = table.Column<string>(type: "TEXT", nullable: false),
                OwnerId = table.Column<long>(type: "INTEGER", nullable: false),
                IsAdmin = table.Column<long>(type: "INTEGER", nullable: false),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                UserName = table.Column<string>(type: "TEXT", nullable: true),
                NormalizedUserName = table.Column<string>(type: "TEXT", nullable: true),
                Email = table.Column<string>(type: "TEXT", nullable: true),
                NormalizedEmail = table.Column<string>(type: "TEXT", nullable: true),
                EmailConfirmed = table.Column<long>(type: "INTEGER", nullable: false),
                PasswordHash = table.Column<string>(type: "TEXT", nullable: true),
                SecurityStamp = table.Column<string>(type: "TEXT", nullable: true),
                ConcurrencyStamp = table.Column<string>(type: "TEXT", nullable: true),
                PhoneNumber = table.Column<string>(type: "TEXT", nullable: true),
                PhoneNumberConfirmed = table.Column<long>(type: "INTEGER", nullable: false),
                TwoFactorEnabled = table.Column<long>(type: "INTEGER", nullable: false),
                LockoutEnd = table.Column<string>(type: "TEXT", nullable: true),
                LockoutEnabled = table.Column<long>(type: "INTEGER", nullable: false),
                AccessFailedCount = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUsers", x => x.Id);
                table.ForeignKey(
                    name: "FK_AspNetUsers_Owners_OwnerId",
                    column: x => x.OwnerId,
                    principalTable: "Owners",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "Organizations",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                OwnerId = table.Column<long>(type: "INTEGER", nullable: false),
                Description = table.Column<string>(type: "TEXT", nullable: false),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Organizations", x => x.Id);
                table.ForeignKey(
                    name: "FK_Organizations_Owners_OwnerId",
                    column: x => x.OwnerId,
                    principalTable: "Owners",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "Repositories",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                OwnerId = table.Column<long>(type: "INTEGER", nullable: false),
                Name = table.Column<string>(type: "TEXT", nullable: false),
                NormalizedName = table.Column<string>(type: "TEXT", nullable: false),
                Description = table.Column<string>(type: "TEXT", nullable: false),
                Visibility = table.Column<string>(type: "TEXT", nullable: false),
                Mode = table.Column<string>(type: "TEXT", nullable: false),
                DefaultBranch = table.Column<string>(type: "TEXT", nullable: true),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                UpdatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Repositories", x => x.Id);
                table.ForeignKey(
                    name: "FK_Repositories_Owners_OwnerId",
                    column: x => x.OwnerId,
                    principalTable: "Owners",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "AspNetUserClaims",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                UserId = table.Column<string>(type: "TEXT", nullable: false),
                ClaimType = table.Column<string>(type: "TEXT", nullable: true),
                ClaimValue = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUserClaims", x => x.Id);
                table.ForeignKey(
                    name: "FK_AspNetUserClaims_AspNetUsers_UserId",
                    column: x => x.UserId,
                    principalTable: "AspNetUsers",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "AspNetUserLogins",
            columns: table => new
            {
                LoginProvider = table.Column<string>(type: "TEXT", nullable: false),
                ProviderKey = table.Column<string>(type: "TEXT", nullable: false),
                ProviderDisplayName = table.Column<string>(type: "TEXT", nullable: true),
                UserId = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUserLogins", x => new { x.LoginProvider, x.ProviderKey });
                table.ForeignKey(
                    name: "FK_AspNetUserLogins_AspNetUsers_UserId",
                    column: x => x.UserId,
                    principalTable: "AspNetUsers",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "AspNetUserRoles",
            columns: table => new
            {
                UserId = table.Column<string>(type: "TEXT", nullable: false),
                RoleId = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUserRoles", x => new { x.UserId, x.RoleId });
                table.ForeignKey(
                    name: "FK_AspNetUserRoles_AspNetRoles_RoleId",
                    column: x => x.RoleId,
                    principalTable: "AspNetRoles",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
                table.ForeignKey(
                    name: "FK_AspNetUserRoles_AspNetUsers_UserId",
                    column: x => x.UserId,
                    principalTable: "AspNetUsers",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "AspNetUserTokens",
            columns: table => new
            {
                UserId = table.Column<string>(type: "TEXT", nullable: false),
                LoginProvider = table.Column<string>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUserTokens", x => new { x.UserId, x.LoginProvider, x.Name });
                table.ForeignKey(
                    name: "FK_AspNetUserTokens_AspNetUsers_UserId",
                    column: x => x.UserId,
                    principalTable: "AspNetUsers",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "PendingDeployKeys",
            columns: table => new
            {
                Id = table.Column<string>(type: "TEXT", nullable: false),
                UserId = table.Column<string>(type: "TEXT", nullable: false),
                ProtectedPrivateKey = table.Column<string>(type: "TEXT", nullable: false),
                PublicKey = table.Column<string>(type: "TEXT", nullable: false),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PendingDeployKeys", x => x.Id);
                table.ForeignKey(
                    name: "FK_PendingDeployKeys_AspNetUsers_UserId",
                    column: x => x.UserId,
                    principalTable: "AspNetUsers",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "PersonalAccessTokens",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                UserId = table.Column<string>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", nullable: false),
                TokenHash = table.Column<string>(type: "TEXT", nullable: false),
                DisplayPrefix = table.Column<string>(type: "TEXT", nullable: false),
                Scopes = table.Column<long>(type: "INTEGER", nullable: false),
                CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                ExpiresAt = table.Column<string>(type: "TEXT", nullable: true),
                LastUsedAt = table.Column<string>(type: "TEXT", nullable: true),
                RevokedAt = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PersonalAccessTokens", x => x.Id);
                table.ForeignKey(
                    name: "FK_PersonalAccessTokens_AspNetUsers_UserId",
                    column: x => x.UserId,
                    principalTable: "AspNetUsers",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "OrganizationMembers",
            columns: table => new
            {
                OrganizationId = table.Column<long>(type: "INTEGER", nullable: false),
                UserId = table.Column<string>(type: "TEXT", nullable: false),
                Role = table.Column<string>(type: "TEXT", nullable: false),
                AddedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_OrganizationMembers", x => new { x.OrganizationId, x.UserId });
                table.ForeignKey(
                    name: "FK_OrganizationMembers_AspNetUsers_UserId",
                    column: x => x.UserId,
                    principalTable: "AspNetUsers",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
                table.ForeignKey(
                    name: "FK_OrganizationMembers_Organizations_OrganizationId",
                    column: x => x.OrganizationId,
                    principalTable: "Organizations",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "ExternalRemotes",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Name = table.Column<string>(type: "TEXT", nullable: false),
                Kind = table.Column<string>(type: "TEXT", nullable: false),
                Url = table.Column<string>(type: "TEXT", nullable: false),
                Note = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ExternalRemotes", x => x.Id);
                table.ForeignKey(
                    name: "FK_ExternalRemotes_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "RepositoryEvents",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Kind = table.Column<string>(type: "TEXT", nullable: false),
                Trigger = table.Column<string>(type: "TEXT", nullable: true),
                ActorUserId = table.Column<string>(type: "TEXT", nullable: true),
                StartedAt = table.Column<string>(type: "TEXT", nullable: false),
                FinishedAt = table.Column<string>(type: "TEXT", nullable: true),
                Outcome = table.Column<string>(type: "TEXT", nullable: false),
                Error = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RepositoryEvents", x => x.Id);
                table.ForeignKey(
                    name: "FK_RepositoryEvents_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "StorageUsages",
            columns: table => new
            {
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Objects = table.Column<long>(type: "INTEGER", nullable: false),
                Bytes = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_StorageUsages", x => x.RepositoryId);
                table.ForeignKey(
                    name: "FK_StorageUsages_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "SyncStates",
            columns: table => new
            {
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Status = table.Column<string>(type: "TEXT", nullable: false),
                NextSyncAt = table.Column<string>(type: "TEXT", nullable: true),
                LastAttemptAt = table.Column<string>(type: "TEXT", nullable: true),
                LastSuccessAt = table.Column<string>(type: "TEXT", nullable: true),
                LastManualSyncAt = table.Column<string>(type: "TEXT", nullable: true),
                LastError = table.Column<string>(type: "TEXT", nullable: true),
                ConsecutiveFailures = table.Column<long>(type: "INTEGER", nullable: false),
                QueuedTrigger = table.Column<string>(type: "TEXT", nullable: true),
                QueuedBy = table.Column<string>(type: "TEXT", nullable: true),
                LeaseOwner = table.Column<string>(type: "TEXT", nullable: true),
                LeaseExpiresAt = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_SyncStates", x => x.RepositoryId);
                table.ForeignKey(
                    name: "FK_SyncStates_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingExperiments",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Name = table.Column<string>(type: "TEXT", nullable: false),
                ArtifactLocation = table.Column<string>(type: "TEXT", nullable: false),
                LifecycleStage = table.Column<string>(type: "TEXT", nullable: false),
                CreationTime = table.Column<long>(type: "INTEGER", nullable: false),
                LastUpdateTime = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingExperiments", x => x.Id);
                table.ForeignKey(
                    name: "FK_TrackingExperiments_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "UpstreamCredentials",
            columns: table => new
            {
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Username = table.Column<string>(type: "TEXT", nullable: true),
                ProtectedSecret = table.Column<string>(type: "TEXT", nullable: true),
                ProtectedSshPrivateKey = table.Column<string>(type: "TEXT", nullable: true),
                SshPublicKey = table.Column<string>(type: "TEXT", nullable: true),
                UpdatedAt = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_UpstreamCredentials", x => x.RepositoryId);
                table.ForeignKey(
                    name: "FK_UpstreamCredentials_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "UpstreamSources",
            columns: table => new
            {
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Url = table.Column<string>(type: "TEXT", nullable: false),
                AuthKind = table.Column<string>(type: "TEXT", nullable: false),
                PinnedHostKey = table.Column<string>(type: "TEXT", nullable: true),
                FetchLfs = table.Column<long>(type: "INTEGER", nullable: false),
                SyncIntervalMinutes = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_UpstreamSources", x => x.RepositoryId);
                table.ForeignKey(
                    name: "FK_UpstreamSources_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "RefChanges",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                EventId = table.Column<long>(type: "INTEGER", nullable: false),
                RefName = table.Column<string>(type: "TEXT", nullable: false),
                OldSha = table.Column<string>(type: "TEXT", nullable: true),
                NewSha = table.Column<string>(type: "TEXT", nullable: true),
                Kind = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RefChanges", x => x.Id);
                table.ForeignKey(
                    name: "FK_RefChanges_RepositoryEvents_EventId",
                    column: x => x.EventId,
                    principalTable: "RepositoryEvents",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingExperimentTags",
            columns: table => new
            {
                ExperimentId = table.Column<long>(type: "INTEGER", nullable: false),
                Key = table.Column<string>(type: "TEXT", nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingExperimentTags", x => new { x.ExperimentId, x.Key });
                table.ForeignKey(
                    name: "FK_TrackingExperimentTags_TrackingExperiments_ExperimentId",
                    column: x => x.ExperimentId,
                    principalTable: "TrackingExperiments",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingRuns",
            columns: table => new
            {
                Id = table.Column<string>(type: "TEXT", nullable: false),
                ExperimentId = table.Column<long>(type: "INTEGER", nullable: false),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                RunName = table.Column<string>(type: "TEXT", nullable: false),
                UserId = table.Column<string>(type: "TEXT", nullable: false),
                Status = table.Column<string>(type: "TEXT", nullable: false),
                StartTime = table.Column<long>(type: "INTEGER", nullable: false),
                EndTime = table.Column<long>(type: "INTEGER", nullable: true),
                LifecycleStage = table.Column<string>(type: "TEXT", nullable: false),
                ArtifactUri = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingRuns", x => x.Id);
                table.ForeignKey(
                    name: "FK_TrackingRuns_TrackingExperiments_ExperimentId",
                    column: x => x.ExperimentId,
                    principalTable: "TrackingExperiments",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingLatestMetrics",
            columns: table => new
            {
                RunId = table.Column<string>(type: "TEXT", nullable: false),
                Key = table.Column<string>(type: "TEXT", nullable: false),
                Value = table.Column<double>(type: "REAL", nullable: false),
                Timestamp = table.Column<long>(type: "INTEGER", nullable: false),
                Step = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingLatestMetrics", x => new { x.RunId, x.Key });
                table.ForeignKey(
                    name: "FK_TrackingLatestMetrics_TrackingRuns_RunId",
                    column: x => x.RunId,
                    principalTable: "TrackingRuns",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingMetrics",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RunId = table.Column<string>(type: "TEXT", nullable: false),
                Key = table.Column<string>(type: "TEXT", nullable: false),
                Value = table.Column<double>(type: "REAL", nullable: false),
                Timestamp = table.Column<long>(type: "INTEGER", nullable: false),
                Step = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingMetrics", x => x.Id);
                table.ForeignKey(
                    name: "FK_TrackingMetrics_TrackingRuns_RunId",
                    column: x => x.RunId,
                    principalTable: "TrackingRuns",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingParams",
            columns: table => new
            {
                RunId = table.Column<string>(type: "TEXT", nullable: false),
                Key = table.Column<string>(type: "TEXT", nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingParams", x => new { x.RunId, x.Key });
                table.ForeignKey(
                    name: "FK_TrackingParams_TrackingRuns_RunId",
                    column: x => x.RunId,
                    principalTable: "TrackingRuns",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingRunTags",
            columns: table => new
            {
                RunId = table.Column<string>(type: "TEXT", nullable: false),
                Key = table.Column<string>(type: "TEXT", nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingRunTags", x => new { x.RunId, x.Key });
                table.ForeignKey(
                    name: "FK_TrackingRunTags_TrackingRuns_RunId",
                    column: x => x.RunId,
                    principalTable: "TrackingRuns",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_AspNetRoleClaims_RoleId",
            table: "AspNetRoleClaims",
            column: "RoleId");

        migrationBuilder.CreateIndex(
            name: "RoleNameIndex",
            table: "AspNetRoles",
            column: "NormalizedName",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_AspNetUserClaims_UserId",
            table: "AspNetUserClaims",
            column: "UserId");

        migrationBuilder.CreateIndex(
            name: "IX_AspNetUserLogins_UserId",
            table: "AspNetUserLogins",
            column: "UserId");

        migrationBuilder.CreateIndex(
            name: "IX_AspNetUserRoles_RoleId",
            table: "AspNetUserRoles",
            column: "RoleId");

        migrationBuilder.CreateIndex(
            name: "EmailIndex",
            table: "AspNetUsers",
            column: "NormalizedEmail");

        migrationBuilder.CreateIndex(
            name: "IX_AspNetUsers_OwnerId",
            table: "AspNetUsers",
            column: "OwnerId",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "UserNameIndex",
            table: "AspNetUsers",
            column: "NormalizedUserName",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_ExternalRemotes_RepositoryId_Name",
            table: "ExternalRemotes",
            columns: new[] { "RepositoryId", "Name" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_OrganizationMembers_UserId",
            table: "OrganizationMembers",
            column: "UserId");

        migrationBuilder.CreateIndex(
            name: "IX_Organizations_OwnerId",
            table: "Organizations",
            column: "OwnerId",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_Owners_Slug",
            table: "Owners",
            column: "Slug",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_PendingDeployKeys_UserId",
            table: "PendingDeployKeys",
            column: "UserId");

        migrationBuilder.CreateIndex(
            name: "IX_PersonalAccessTokens_TokenHash",
            table: "PersonalAccessTokens",
            column: "TokenHash",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_PersonalAccessTokens_UserId",
            table: "PersonalAccessTokens",
            column: "UserId");

        migrationBuilder.CreateIndex(
            name: "IX_RefChanges_EventId",
            table: "RefChanges",
            column: "EventId");

        migrationBuilder.CreateIndex(
            name: "IX_Repositories_OwnerId_NormalizedName",
            table: "Repositories",
            columns: new[] { "OwnerId", "NormalizedName" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_RepositoryEvents_RepositoryId_StartedAt",
            table: "RepositoryEvents",
            columns: new[] { "RepositoryId", "StartedAt" });

        migrationBuilder.CreateIndex(
            name: "IX_SyncStates_LeaseExpiresAt",
            table: "SyncStates",
            column: "LeaseExpiresAt");

        migrationBuilder.CreateIndex(
            name: "IX_SyncStates_NextSyncAt",
            table: "SyncStates",
            column: "NextSyncAt");

        migrationBuilder.CreateIndex(
            name: "IX_TrackingExperiments_RepositoryId_Name",
            table: "TrackingExperiments",
            columns: new[] { "RepositoryId", "Name" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_TrackingMetrics_RunId_Key_Step",
            table: "TrackingMetrics",
            columns: new[] { "RunId", "Key", "Step" });

        migrationBuilder.CreateIndex(
            name: "IX_TrackingRuns_ExperimentId_StartTime",
            table: "TrackingRuns",
            columns: new[] { "ExperimentId", "StartTime" });

        migrationBuilder.CreateIndex(
            name: "IX_TrackingRuns_RepositoryId",
            table: "TrackingRuns",
            column: "RepositoryId");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "TrackingRunTags");
        migrationBuilder.DropTable(name: "TrackingParams");
        migrationBuilder.DropTable(name: "TrackingMetrics");
        migrationBuilder.DropTable(name: "TrackingLatestMetrics");
        migrationBuilder.DropTable(name: "TrackingRuns");
        migrationBuilder.DropTable(name: "TrackingExperimentTags");
        migrationBuilder.DropTable(name: "RefChanges");
        migrationBuilder.DropTable(name: "UpstreamSources");
        migrationBuilder.DropTable(name: "UpstreamCredentials");
        migrationBuilder.DropTable(name: "TrackingExperiments");
        migrationBuilder.DropTable(name: "SyncStates");
        migrationBuilder.DropTable(name: "StorageUsages");
        migrationBuilder.DropTable(name: "RepositoryEvents");
        migrationBuilder.DropTable(name: "ExternalRemotes");
        migrationBuilder.DropTable(name: "OrganizationMembers");
        migrationBuilder.DropTable(name: "PersonalAccessTokens");
        migrationBuilder.DropTable(name: "PendingDeployKeys");
        migrationBuilder.DropTable(name: "AspNetUserTokens");
        migrationBuilder.DropTable(name: "AspNetUserRoles");
        migrationBuilder.DropTable(name: "AspNetUserLogins");
        migrationBuilder.DropTable(name: "AspNetUserClaims");
        migrationBuilder.DropTable(name: "Repositories");
        migrationBuilder.DropTable(name: "Organizations");
        migrationBuilder.DropTable(name: "AspNetUsers");
        migrationBuilder.DropTable(name: "AspNetRoleClaims");
        migrationBuilder.DropTable(name: "Owners");
        migrationBuilder.DropTable(name: "AspNetRoles");
    }
}
