using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Core.Data.Migrations;

/// <summary>
/// MLflow's model registry (registered models with their tags and aliases, model versions with their tags), MLflow 3
/// logged models (with params and tags), and what runs log about their inputs and outputs (datasets with tags, logged
/// models used or produced).
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261125000200_ModelRegistry")]
public sealed class ModelRegistry : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "RegisteredModels",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                Description = table.Column<string>(type: "TEXT", maxLength: 5000, nullable: true),
                CreationTimestamp = table.Column<long>(type: "INTEGER", nullable: false),
                LastUpdatedTimestamp = table.Column<long>(type: "INTEGER", nullable: false),
                LastVersion = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RegisteredModels", x => x.Id);
                table.ForeignKey(
                    name: "FK_RegisteredModels_Repositories_RepositoryId",
                    column: x => x.RepositoryId,
                    principalTable: "Repositories",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "RegisteredModelTags",
            columns: table => new
            {
                RegisteredModelId = table.Column<long>(type: "INTEGER", nullable: false),
                Key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RegisteredModelTags", x => new { x.RegisteredModelId, x.Key });
                table.ForeignKey(
                    name: "FK_RegisteredModelTags_RegisteredModels_RegisteredModelId",
                    column: x => x.RegisteredModelId,
                    principalTable: "RegisteredModels",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "RegisteredModelAliases",
            columns: table => new
            {
                RegisteredModelId = table.Column<long>(type: "INTEGER", nullable: false),
                Alias = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                Version = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RegisteredModelAliases", x => new { x.RegisteredModelId, x.Alias });
                table.ForeignKey(
                    name: "FK_RegisteredModelAliases_RegisteredModels_RegisteredModelId",
                    column: x => x.RegisteredModelId,
                    principalTable: "RegisteredModels",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "ModelVersions",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RegisteredModelId = table.Column<long>(type: "INTEGER", nullable: false),
                Version = table.Column<long>(type: "INTEGER", nullable: false),
                Description = table.Column<string>(type: "TEXT", maxLength: 5000, nullable: true),
                Source = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                RunId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                RunLink = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                LoggedModelId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                CurrentStage = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                CreationTimestamp = table.Column<long>(type: "INTEGER", nullable: false),
                LastUpdatedTimestamp = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ModelVersions", x => x.Id);
                table.ForeignKey(
                    name: "FK_ModelVersions_RegisteredModels_RegisteredModelId",
                    column: x => x.RegisteredModelId,
                    principalTable: "RegisteredModels",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "ModelVersionTags",
            columns: table => new
            {
                ModelVersionId = table.Column<long>(type: "INTEGER", nullable: false),
                Key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ModelVersionTags", x => new { x.ModelVersionId, x.Key });
                table.ForeignKey(
                    name: "FK_ModelVersionTags_ModelVersions_ModelVersionId",
                    column: x => x.ModelVersionId,
                    principalTable: "ModelVersions",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "LoggedModels",
            columns: table => new
            {
                Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                RepositoryId = table.Column<long>(type: "INTEGER", nullable: false),
                ExperimentId = table.Column<long>(type: "INTEGER", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                ArtifactLocation = table.Column<string>(type: "TEXT", nullable: false),
                ModelType = table.Column<string>(type: "TEXT", nullable: true),
                SourceRunId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                LifecycleStage = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                CreationTimestamp = table.Column<long>(type: "INTEGER", nullable: false),
                LastUpdatedTimestamp = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_LoggedModels", x => x.Id);
                table.ForeignKey(
                    name: "FK_LoggedModels_TrackingExperiments_ExperimentId",
                    column: x => x.ExperimentId,
                    principalTable: "TrackingExperiments",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "LoggedModelParams",
            columns: table => new
            {
                ModelId = table.Column<string>(type: "TEXT", nullable: false),
                Key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_LoggedModelParams", x => new { x.ModelId, x.Key });
                table.ForeignKey(
                    name: "FK_LoggedModelParams_LoggedModels_ModelId",
                    column: x => x.ModelId,
                    principalTable: "LoggedModels",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "LoggedModelTags",
            columns: table => new
            {
                ModelId = table.Column<string>(type: "TEXT", nullable: false),
                Key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_LoggedModelTags", x => new { x.ModelId, x.Key });
                table.ForeignKey(
                    name: "FK_LoggedModelTags_LoggedModels_ModelId",
                    column: x => x.ModelId,
                    principalTable: "LoggedModels",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingDatasetInputs",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                RunId = table.Column<string>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                Digest = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                SourceType = table.Column<string>(type: "TEXT", nullable: false),
                Source = table.Column<string>(type: "TEXT", nullable: false),
                Schema = table.Column<string>(type: "TEXT", nullable: true),
                Profile = table.Column<string>(type: "TEXT", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingDatasetInputs", x => x.Id);
                table.ForeignKey(
                    name: "FK_TrackingDatasetInputs_TrackingRuns_RunId",
                    column: x => x.RunId,
                    principalTable: "TrackingRuns",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingDatasetInputTags",
            columns: table => new
            {
                InputId = table.Column<long>(type: "INTEGER", nullable: false),
                Key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                Value = table.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingDatasetInputTags", x => new { x.InputId, x.Key });
                table.ForeignKey(
                    name: "FK_TrackingDatasetInputTags_TrackingDatasetInputs_InputId",
                    column: x => x.InputId,
                    principalTable: "TrackingDatasetInputs",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrackingRunModels",
            columns: table => new
            {
                RunId = table.Column<string>(type: "TEXT", nullable: false),
                ModelId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                IsOutput = table.Column<bool>(type: "INTEGER", nullable: false),
                Step = table.Column<long>(type: "INTEGER", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrackingRunModels", x => new { x.RunId, x.ModelId, x.IsOutput });
                table.ForeignKey(
                    name: "FK_TrackingRunModels_TrackingRuns_RunId",
                    column: x => x.RunId,
                    principalTable: "TrackingRuns",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(name: "IX_RegisteredModels_RepositoryId_Name", table: "RegisteredModels", columns: ["RepositoryId", "Name"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_RegisteredModels_RepositoryId_LastUpdatedTimestamp", table: "RegisteredModels", columns: ["RepositoryId", "LastUpdatedTimestamp"]);
        migrationBuilder.CreateIndex(name: "IX_ModelVersions_RegisteredModelId_Version", table: "ModelVersions", columns: ["RegisteredModelId", "Version"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_ModelVersions_RunId", table: "ModelVersions", column: "RunId");
        migrationBuilder.CreateIndex(name: "IX_ModelVersions_LoggedModelId", table: "ModelVersions", column: "LoggedModelId");
        migrationBuilder.CreateIndex(name: "IX_LoggedModels_ExperimentId_CreationTimestamp", table: "LoggedModels", columns: ["ExperimentId", "CreationTimestamp"]);
        migrationBuilder.CreateIndex(name: "IX_LoggedModels_SourceRunId", table: "LoggedModels", column: "SourceRunId");
        migrationBuilder.CreateIndex(name: "IX_TrackingDatasetInputs_RunId_Name_Digest", table: "TrackingDatasetInputs", columns: ["RunId", "Name", "Digest"], unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "TrackingRunModels");
        migrationBuilder.DropTable(name: "TrackingDatasetInputTags");
        migrationBuilder.DropTable(name: "TrackingDatasetInputs");
        migrationBuilder.DropTable(name: "LoggedModelTags");
        migrationBuilder.DropTable(name: "LoggedModelParams");
        migrationBuilder.DropTable(name: "LoggedModels");
        migrationBuilder.DropTable(name: "ModelVersionTags");
        migrationBuilder.DropTable(name: "ModelVersions");
        migrationBuilder.DropTable(name: "RegisteredModelAliases");
        migrationBuilder.DropTable(name: "RegisteredModelTags");
        migrationBuilder.DropTable(name: "RegisteredModels");
    }
}
