using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using static Portal.Core.Experiments.TrackingLimits;

namespace Portal.Core.Experiments;

/// <summary>A dataset input as runs/log-inputs sends it.</summary>
public sealed record DatasetInputValue(string? Name, string? Digest, string? SourceType, string? Source, string? Schema, string? Profile, IReadOnlyList<(string Key, string Value)> Tags);

/// <summary>
/// What a run records about what went in and came out: datasets and logged models it used (runs/log-inputs), logged
/// models it produced (runs/outputs), and MLflow 2's model history tag (runs/log-model). MLflow's limits and wording.
/// </summary>
public sealed class RunIoService(PortalDbContext db)
{
    /// <summary>MLflow's limits (mlflow/utils/validation.py).</summary>
    public const int MaxDatasets = 1000;
    public const int MaxDatasetNameLength = 500;
    public const int MaxDatasetDigestLength = 36;
    public const int MaxDatasetSourceLength = 65535;
    public const int MaxInputTagKeyLength = 255;
    public const int MaxInputTagValueLength = 500;

    /// <summary>The tag MLflow 2 keeps each logged model's MLmodel summary in, as a JSON list.</summary>
    public const string LoggedModelsTag = "mlflow.log-model.history";

    private static readonly string[] RequiredModelFields = ["artifact_path", "flavors", "utc_time_created", "run_id"];

    /// <summary>Records datasets (once per name and digest, as MLflow) and logged models a run used.</summary>
    public async Task<Outcome<bool>> LogInputsAsync(long repositoryId, string? runId, IReadOnlyList<DatasetInputValue> datasets, IReadOnlyList<string> modelIds, CancellationToken cancellationToken)
    {
        if ((InvalidDatasets(datasets) ?? InvalidModelIds(modelIds)) is { } invalid)
        {
            return invalid;
        }

        var run = await ActiveRunAsync(repositoryId, runId, cancellationToken);
        if (!run.Succeeded)
        {
            return run.Error!;
        }

        await db.Entry(run.Value!).Collection(r => r.DatasetInputs).LoadAsync(cancellationToken);
        await db.Entry(run.Value!).Collection(r => r.Models).LoadAsync(cancellationToken);
        foreach (var dataset in datasets.DistinctBy(d => (d.Name, d.Digest)))
        {
            if (run.Value!.DatasetInputs.Any(i => i.Name == dataset.Name && i.Digest == dataset.Digest))
            {
                continue;
            }

            run.Value.DatasetInputs.Add(new TrackingDatasetInput
            {
                RunId = run.Value.Id,
                Name = dataset.Name!,
                Digest = dataset.Digest!,
                SourceType = dataset.SourceType!,
                Source = dataset.Source!,
                Schema = dataset.Schema,
                Profile = dataset.Profile,
                Tags = [.. dataset.Tags.DistinctBy(t => t.Key).Select(t => new TrackingDatasetInputTag { Key = t.Key, Value = t.Value })],
            });
        }

        AddModels(run.Value!, modelIds.Select(id => (id, 0L)), isOutput: false);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Records the logged models a run produced, each with the step it was produced at.</summary>
    public async Task<Outcome<bool>> LogOutputsAsync(long repositoryId, string? runId, IReadOnlyList<(string? ModelId, long Step)> models, CancellationToken cancellationToken)
    {
        if (InvalidModelIds([.. models.Select(m => m.ModelId ?? "")]) is { } invalid)
        {
            return invalid;
        }

        var run = await ActiveRunAsync(repositoryId, runId, cancellationToken);
        if (!run.Succeeded)
        {
            return run.Error!;
        }

        await db.Entry(run.Value!).Collection(r => r.Models).LoadAsync(cancellationToken);
        AddModels(run.Value!, models.Select(m => (m.ModelId!, m.Step)), isOutput: true);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// runs/log-model (MLflow 2's log_model): checks the MLmodel summary as MLflow's server does and appends it to the
    /// run's <see cref="LoggedModelsTag"/> list.
    /// </summary>
    public async Task<Outcome<bool>> LogModelAsync(long repositoryId, string? runId, string? modelJson, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(modelJson))
        {
            return PortalError.Invalid("Missing value for required parameter 'model_json'.");
        }

        JsonObject? model;
        try
        {
            model = JsonNode.Parse(modelJson) as JsonObject;
        }
        catch (JsonException)
        {
            model = null;
        }

        if (model is null)
        {
            return PortalError.Invalid("Malformed model info: model_json must be a JSON object (the MLmodel file as JSON).");
        }

        var missing = RequiredModelFields.Where(f => !model.ContainsKey(f)).ToList();
        if (missing.Count > 0)
        {
            return PortalError.Invalid($"Model json is missing mandatory fields: {string.Join(", ", missing)}");
        }

        if (model["flavors"] is not JsonObject { Count: > 0 })
        {
            return PortalError.Invalid("Model must have at least one flavor");
        }

        var run = await ActiveRunAsync(repositoryId, runId, cancellationToken);
        if (!run.Succeeded)
        {
            return run.Error!;
        }

        var tag = await db.TrackingRunTags.FirstOrDefaultAsync(t => t.RunId == run.Value!.Id && t.Key == LoggedModelsTag, cancellationToken);
        var history = (tag is null ? null : TryParseArray(tag.Value)) ?? new JsonArray();
        history.Add(model);
        var value = history.ToJsonString();
        if (TooLong("Tag value", value, MaxTagValueLength) is { } tooLong)
        {
            return tooLong;
        }

        if (tag is null)
        {
            db.TrackingRunTags.Add(new TrackingRunTag { RunId = run.Value!.Id, Key = LoggedModelsTag, Value = value });
        }
        else
        {
            tag.Value = value;
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static JsonArray? TryParseArray(string value)
    {
        try
        {
            return JsonNode.Parse(value) as JsonArray;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void AddModels(TrackingRun run, IEnumerable<(string ModelId, long Step)> models, bool isOutput)
    {
        foreach (var (modelId, step) in models.DistinctBy(m => m.ModelId))
        {
            if (run.Models.FirstOrDefault(m => m.ModelId == modelId && m.IsOutput == isOutput) is { } existing)
            {
                existing.Step = step;
            }
            else
            {
                run.Models.Add(new TrackingRunModel { RunId = run.Id, ModelId = modelId, IsOutput = isOutput, Step = step });
            }
        }
    }

    private async Task<Outcome<TrackingRun>> ActiveRunAsync(long repositoryId, string? runId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(runId))
        {
            return PortalError.Invalid("Missing value for required parameter 'run_id'.");
        }

        var run = await db.TrackingRuns.FirstOrDefaultAsync(r => r.RepositoryId == repositoryId && r.Id == runId, cancellationToken);
        if (run is null)
        {
            return TrackingQueries.RunNotFound(runId);
        }

        return run.LifecycleStage == "active" ? run : PortalError.Invalid($"The run {runId} must be in the 'active' state.");
    }

    private static PortalError? InvalidModelIds(IReadOnlyList<string> modelIds) =>
        modelIds.Any(id => string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            ? PortalError.Invalid("Every model needs a 'model_id' such as m-0123456789abcdef0123456789abcdef.")
            : null;

    private static PortalError? InvalidDatasets(IReadOnlyList<DatasetInputValue> datasets)
    {
        if (datasets.Count > MaxDatasets)
        {
            return PortalError.Invalid($"A batch logging request can contain at most {MaxDatasets} datasets. Got {datasets.Count} datasets. Please split up datasets across multiple requests and try again.");
        }

        foreach (var dataset in datasets)
        {
            var missing = (dataset.Name, dataset.Digest, dataset.SourceType, dataset.Source) switch
            {
                (null or "", _, _, _) => "name",
                (_, null or "", _, _) => "digest",
                (_, _, null or "", _) => "source_type",
                (_, _, _, null) => "source",
                _ => null,
            };
            if (missing is not null)
            {
                return PortalError.Invalid($"Missing value for required parameter 'dataset.{missing}': every dataset needs a name, digest, source_type and source.");
            }

            var invalid = TooLong("Dataset name", dataset.Name, MaxDatasetNameLength) ?? TooLong("Dataset digest", dataset.Digest, MaxDatasetDigestLength)
                ?? TooLong("Dataset source", dataset.Source, MaxDatasetSourceLength)
                ?? dataset.Tags.Select(t => TooLong("Input tag key", t.Key, MaxInputTagKeyLength) ?? TooLong("Input tag value", t.Value, MaxInputTagValueLength)).FirstOrDefault(e => e is not null)
                ?? (dataset.Tags.Any(t => t.Key.Length == 0) ? PortalError.Invalid("Every input tag needs a key.") : null);
            if (invalid is not null)
            {
                return invalid;
            }
        }

        return null;
    }
}
