using System.Globalization;
using Portal.Core;
using Portal.Core.ModelRegistry;
using static Portal.Web.Remotes.MlflowEndpoints;

namespace Portal.Web.Remotes;

/// <summary>
/// MLflow's model registry in the repository's MLflow remote (mlflow/protos/model_registry.proto): registered models,
/// their versions, tags and aliases, with the HTTP methods MLflow's client uses (GET with query parameters; POST,
/// PATCH and DELETE with JSON bodies). Reading needs read access to the repository, changing needs write access.
/// </summary>
public static class MlflowRegistryEndpoints
{
    internal static RouteGroupBuilder MapModelRegistry(this RouteGroupBuilder api)
    {
        api.MapPost("/registered-models/create", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: true, CreateModelAsync));
        api.MapGet("/registered-models/get", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: false, GetModelAsync));
        api.MapPost("/registered-models/rename", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: true, RenameModelAsync));
        api.MapPatch("/registered-models/update", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: true, UpdateModelAsync));
        api.MapDelete("/registered-models/delete", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: true, DeleteModelAsync));
        api.MapGet("/registered-models/search", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: false, SearchModelsAsync));
        api.MapMethods("/registered-models/get-latest-versions", ["GET", "POST"], (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: false, LatestVersionsAsync));
        api.MapPost("/registered-models/set-tag", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: true, SetModelTagAsync));
        api.MapDelete("/registered-models/delete-tag", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: true, DeleteModelTagAsync));
        api.MapPost("/registered-models/alias", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: true, SetAliasAsync));
        api.MapDelete("/registered-models/alias", (HttpContext c, string owner, string repo) => Handle<RegisteredModelService>(c, owner, repo, write: true, DeleteAliasAsync));
        api.MapGet("/registered-models/alias", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: false, GetByAliasAsync));

        api.MapPost("/model-versions/create", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: true, CreateVersionAsync));
        api.MapGet("/model-versions/get", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: false, GetVersionAsync));
        api.MapPatch("/model-versions/update", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: true, UpdateVersionAsync));
        api.MapDelete("/model-versions/delete", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: true, DeleteVersionAsync));
        api.MapGet("/model-versions/search", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: false, SearchVersionsAsync));
        api.MapGet("/model-versions/get-download-uri", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: false, DownloadUriAsync));
        api.MapPost("/model-versions/set-tag", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: true, SetVersionTagAsync));
        api.MapDelete("/model-versions/delete-tag", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: true, DeleteVersionTagAsync));
        api.MapPost("/model-versions/transition-stage", (HttpContext c, string owner, string repo) => Handle<ModelVersionService>(c, owner, repo, write: true, TransitionStageAsync));
        return api;
    }

    private static async Task<IResult> CreateModelAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        ModelResult(await t.CreateAsync(repo, r.String("name"), r.String("description"), r.KeyValues("tags"), ct));

    private static async Task<IResult> GetModelAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        ModelResult(await t.GetAsync(repo, r.String("name"), ct));

    private static async Task<IResult> RenameModelAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        ModelResult(await t.RenameAsync(repo, r.String("name"), r.String("new_name"), ct));

    private static async Task<IResult> UpdateModelAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        ModelResult(await t.UpdateAsync(repo, r.String("name"), r.String("description"), ct));

    private static async Task<IResult> DeleteModelAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.DeleteAsync(repo, r.String("name"), ct));

    private static async Task<IResult> SearchModelsAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.SearchAsync(repo, r.String("filter"), r.Long("max_results"), r.Strings("order_by"), r.String("page_token"), ct);
        return found.Succeeded
            ? Ok(new { registered_models = found.Value.Models.Select(RegisteredModel), next_page_token = found.Value.NextPageToken })
            : Error(found.Error!);
    }

    private static async Task<IResult> LatestVersionsAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.LatestVersionsAsync(repo, r.String("name"), r.Strings("stages"), ct);
        return found.Succeeded ? Ok(new { model_versions = found.Value!.Select(Version) }) : Error(found.Error!);
    }

    private static async Task<IResult> SetModelTagAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.SetTagAsync(repo, r.String("name"), r.String("key"), r.String("value"), ct));

    private static async Task<IResult> DeleteModelTagAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.DeleteTagAsync(repo, r.String("name"), r.String("key"), ct));

    private static async Task<IResult> SetAliasAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.SetAliasAsync(repo, r.String("name"), r.String("alias"), r.String("version"), ct));

    private static async Task<IResult> DeleteAliasAsync(RegisteredModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.DeleteAliasAsync(repo, r.String("name"), r.String("alias"), ct));

    private static async Task<IResult> GetByAliasAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct) =>
        VersionResult(await t.GetByAliasAsync(repo, r.String("name"), r.String("alias"), ct));

    private static async Task<IResult> CreateVersionAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct) =>
        VersionResult(await t.CreateAsync(repo, new NewModelVersion(r.String("name"), r.String("source"), r.String("run_id"), r.String("run_link"), r.String("description"), r.String("model_id"), r.KeyValues("tags")), ct));

    private static async Task<IResult> GetVersionAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct) =>
        VersionResult(await t.GetAsync(repo, r.String("name"), r.String("version"), ct));

    private static async Task<IResult> UpdateVersionAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct) =>
        VersionResult(await t.UpdateAsync(repo, r.String("name"), r.String("version"), r.String("description"), ct));

    private static async Task<IResult> DeleteVersionAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.DeleteAsync(repo, r.String("name"), r.String("version"), ct));

    private static async Task<IResult> SearchVersionsAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.SearchAsync(repo, r.String("filter"), r.Long("max_results"), r.Strings("order_by"), r.String("page_token"), ct);
        return found.Succeeded
            ? Ok(new { model_versions = found.Value.Versions.Select(Version), next_page_token = found.Value.NextPageToken })
            : Error(found.Error!);
    }

    /// <summary>As MLflow's server: the version's source, where its files are (Portal keeps no copy).</summary>
    private static async Task<IResult> DownloadUriAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.GetAsync(repo, r.String("name"), r.String("version"), ct);
        return found.Succeeded ? Ok(new { artifact_uri = found.Value!.Source }) : Error(found.Error!);
    }

    private static async Task<IResult> SetVersionTagAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.SetTagAsync(repo, r.String("name"), r.String("version"), r.String("key"), r.String("value"), ct));

    private static async Task<IResult> DeleteVersionTagAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.DeleteTagAsync(repo, r.String("name"), r.String("version"), r.String("key"), ct));

    private static async Task<IResult> TransitionStageAsync(ModelVersionService t, long repo, TrackingRequest r, CancellationToken ct) =>
        VersionResult(await t.TransitionStageAsync(repo, r.String("name"), r.String("version"), r.String("stage"), r.Bool("archive_existing_versions"), ct));

    private static IResult ModelResult(Outcome<RegisteredModelView> outcome) =>
        outcome.Succeeded ? Ok(new { registered_model = RegisteredModel(outcome.Value!) }) : Error(outcome.Error!);

    private static IResult VersionResult(Outcome<ModelVersion> outcome) =>
        outcome.Succeeded ? Ok(new { model_version = Version(outcome.Value!) }) : Error(outcome.Error!);

    private static string Number(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static object RegisteredModel(RegisteredModelView view) => new
    {
        name = view.Model.Name,
        creation_timestamp = view.Model.CreationTimestamp,
        last_updated_timestamp = view.Model.LastUpdatedTimestamp,
        description = view.Model.Description,
        latest_versions = view.LatestVersions.Select(Version),
        tags = view.Model.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new { key = t.Key, value = t.Value }),
        aliases = view.Model.Aliases.OrderBy(a => a.Alias, StringComparer.Ordinal).Select(a => new { alias = a.Alias, version = Number(a.Version) }),
    };

    private static object Version(ModelVersion v) => new
    {
        name = v.Model.Name,
        version = Number(v.Version),
        creation_timestamp = v.CreationTimestamp,
        last_updated_timestamp = v.LastUpdatedTimestamp,
        current_stage = v.CurrentStage,
        description = v.Description,
        source = v.Source,
        run_id = v.RunId,
        run_link = v.RunLink,
        model_id = v.LoggedModelId,
        status = "READY",
        tags = v.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new { key = t.Key, value = t.Value }),
        aliases = v.Model.Aliases.Where(a => a.Version == v.Version).Select(a => a.Alias).Order(StringComparer.Ordinal),
    };
}
