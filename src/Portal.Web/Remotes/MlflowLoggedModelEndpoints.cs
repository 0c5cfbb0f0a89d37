using System.Globalization;
using System.Text.Json;
using Portal.Core;
using Portal.Core.Experiments;
using Portal.Web.Hosting;
using static Portal.Web.Remotes.MlflowEndpoints;

namespace Portal.Web.Remotes;

/// <summary>
/// MLflow 3's logged models (POST /logged-models, GET/PATCH/DELETE /logged-models/{id}, …/params, …/tags,
/// /logged-models/search) and what runs log about their inputs and outputs (runs/log-inputs, runs/outputs,
/// runs/log-model), with the shapes of mlflow/protos/service.proto.
/// </summary>
public static class MlflowLoggedModelEndpoints
{
    internal static RouteGroupBuilder MapLoggedModels(this RouteGroupBuilder api)
    {
        api.MapPost("/logged-models", (HttpContext c, string owner, string repo) => Handle<LoggedModelService>(c, owner, repo, write: true, CreateAsync));
        api.MapPost("/logged-models/search", (HttpContext c, string owner, string repo) => Handle<LoggedModelService>(c, owner, repo, write: false, SearchAsync));
        api.MapGet("/logged-models/{modelId}", (HttpContext c, string owner, string repo, string modelId) =>
            Handle<LoggedModelService>(c, owner, repo, write: false, async (t, id, r, ct) => ModelResult(await t.GetAsync(id, modelId, ct))));
        api.MapPatch("/logged-models/{modelId}", (HttpContext c, string owner, string repo, string modelId) =>
            Handle<LoggedModelService>(c, owner, repo, write: true, (t, id, r, ct) => FinalizeAsync(t, id, modelId, r, ct)));
        api.MapDelete("/logged-models/{modelId}", (HttpContext c, string owner, string repo, string modelId) =>
            Handle<LoggedModelService>(c, owner, repo, write: true, async (t, id, r, ct) => Empty(await t.DeleteAsync(id, modelId, ct))));
        api.MapPost("/logged-models/{modelId}/params", (HttpContext c, string owner, string repo, string modelId) =>
            Handle<LoggedModelService>(c, owner, repo, write: true, async (t, id, r, ct) => Empty(await t.LogParamsAsync(id, modelId, r.KeyValues("params"), ct))));
        api.MapPatch("/logged-models/{modelId}/tags", (HttpContext c, string owner, string repo, string modelId) =>
            Handle<LoggedModelService>(c, owner, repo, write: true, async (t, id, r, ct) => ModelResult(await t.SetTagsAsync(id, modelId, r.KeyValues("tags"), ct))));
        api.MapDelete("/logged-models/{modelId}/tags/{**tagKey}", (HttpContext c, string owner, string repo, string modelId, string tagKey) =>
            Handle<LoggedModelService>(c, owner, repo, write: true, async (t, id, r, ct) => Empty(await t.DeleteTagAsync(id, modelId, tagKey, ct))));

        api.MapPost("/runs/outputs", (HttpContext c, string owner, string repo) => Handle<RunIoService>(c, owner, repo, write: true, LogOutputsAsync));
        api.MapPost("/runs/log-model", (HttpContext c, string owner, string repo) => Handle<RunIoService>(c, owner, repo, write: true, LogModelAsync));
        api.MapPost("/runs/log-inputs", (HttpContext c, string owner, string repo) => Handle<RunIoService>(c, owner, repo, write: true, LogInputsAsync))
            .WithRequestBodyLimit(MaxBatchRequestBytes, "send fewer datasets (or smaller schemas and profiles) in one request.", RefuseTooLargeAsync);
        return api;
    }

    private static async Task<IResult> CreateAsync(LoggedModelService t, long repo, TrackingRequest r, CancellationToken ct) =>
        ModelResult(await t.CreateAsync(repo, r.String("experiment_id"), r.String("name"), r.String("model_type"), r.String("source_run_id"), r.KeyValues("params"), r.KeyValues("tags"), ct));

    /// <summary>The client sends the id twice (path and body); two different ids are refused rather than guessed between.</summary>
    private static async Task<IResult> FinalizeAsync(LoggedModelService t, long repo, string modelId, TrackingRequest r, CancellationToken ct) =>
        r.String("model_id") is { } inBody && inBody != modelId
            ? Error(PortalError.Invalid($"The model_id in the body ('{TrackingLimits.Shorten(inBody)}') differs from the one in the path: send the same id in both."))
            : ModelResult(await t.FinalizeAsync(repo, modelId, r.String("status"), ct));

    private static async Task<IResult> SearchAsync(LoggedModelService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        if (r.Array("datasets").Any())
        {
            return Error(PortalError.Invalid("Portal does not link metrics to logged models, so it cannot search them by dataset: leave 'datasets' out."));
        }

        var order = new List<(string, bool)>();
        foreach (var clause in r.Array("order_by"))
        {
            if (clause.ValueKind != JsonValueKind.Object || !clause.TryGetProperty("field_name", out var field) || field.ValueKind != JsonValueKind.String)
            {
                return Error(PortalError.Invalid("Every order_by entry needs a 'field_name', e.g. {\"field_name\": \"creation_time\", \"ascending\": false}."));
            }

            var ascending = !clause.TryGetProperty("ascending", out var asc) || asc.ValueKind != JsonValueKind.False;
            order.Add((field.GetString()!, ascending));
        }

        var found = await t.SearchAsync(repo, r.Strings("experiment_ids"), r.String("filter"), r.Long("max_results"), order, r.String("page_token"), ct);
        return found.Succeeded ? Ok(new { models = found.Value.Models.Select(LoggedModel), next_page_token = found.Value.NextPageToken }) : Error(found.Error!);
    }

    private static async Task<IResult> LogOutputsAsync(RunIoService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var models = r.Array("models").Select(m => (Field(m, "model_id"), Long(m, "step") ?? 0)).ToList();
        return Empty(await t.LogOutputsAsync(repo, r.String("run_id"), models, ct));
    }

    private static async Task<IResult> LogModelAsync(RunIoService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.LogModelAsync(repo, r.String("run_id"), r.String("model_json"), ct));

    private static async Task<IResult> LogInputsAsync(RunIoService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var datasets = new List<DatasetInputValue>();
        foreach (var input in r.Array("datasets"))
        {
            if (input.ValueKind != JsonValueKind.Object || !input.TryGetProperty("dataset", out var dataset) || dataset.ValueKind != JsonValueKind.Object)
            {
                return Error(PortalError.Invalid("Every entry of 'datasets' needs a 'dataset' with name, digest, source_type and source."));
            }

            var tags = input.TryGetProperty("tags", out var tagList) && tagList.ValueKind == JsonValueKind.Array
                ? tagList.EnumerateArray().Select(tag => (Field(tag, "key") ?? "", Field(tag, "value") ?? "")).ToList()
                : [];
            datasets.Add(new DatasetInputValue(Field(dataset, "name"), Field(dataset, "digest"), Field(dataset, "source_type"), Field(dataset, "source"), Field(dataset, "schema"), Field(dataset, "profile"), tags));
        }

        var models = r.Array("models").Select(m => Field(m, "model_id") ?? "").ToList();
        return Empty(await t.LogInputsAsync(repo, r.String("run_id"), datasets, models, ct));
    }

    private static IResult ModelResult(Outcome<LoggedModelView> outcome) =>
        outcome.Succeeded ? Ok(new { model = LoggedModel(outcome.Value!) }) : Error(outcome.Error!);

    private static object LoggedModel(LoggedModelView view) => new
    {
        info = new
        {
            model_id = view.Model.Id,
            experiment_id = view.Model.ExperimentId.ToString(CultureInfo.InvariantCulture),
            name = view.Model.Name,
            creation_timestamp_ms = view.Model.CreationTimestamp,
            last_updated_timestamp_ms = view.Model.LastUpdatedTimestamp,
            artifact_uri = view.Model.ArtifactLocation,
            status = view.Model.Status,
            model_type = view.Model.ModelType,
            source_run_id = view.Model.SourceRunId,
            tags = view.Model.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new { key = t.Key, value = t.Value }),
            registrations = view.Registrations.Select(v => new { name = v.Name, version = v.Version.ToString(CultureInfo.InvariantCulture) }),
        },
        data = new
        {
            @params = view.Model.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new { key = p.Key, value = p.Value }),
            metrics = Array.Empty<object>(),
        },
    };

    /// <summary>A string field of a JSON object (numbers as their text), or null.</summary>
    private static string? Field(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    /// <summary>An int64 field, which protobuf's JSON may write as a number or a string.</summary>
    private static long? Long(JsonElement element, string name) =>
        long.TryParse(Field(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
