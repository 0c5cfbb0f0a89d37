using System.Linq.Expressions;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.ModelRegistry;
using static Portal.Core.Experiments.TrackingLimits;

namespace Portal.Core.Experiments;

/// <summary>A logged model as MLflow returns it: with the registered model versions made from it.</summary>
public sealed record LoggedModelView(LoggedModel Model, IReadOnlyList<(string Name, long Version)> Registrations);

/// <summary>
/// MLflow 3 logged models of one repository: create (PENDING, with an artifact location under the experiment's),
/// read, finalize, delete, params, tags and search. Errors in MLflow's wording.
/// </summary>
public sealed class LoggedModelService(PortalDbContext db, TimeProvider clock)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>MLflow refuses these in a logged model's name (mlflow/utils/validation.py).</summary>
    private static readonly char[] BadNameCharacters = ['/', ':', '.', '%', '"', '\''];

    private static readonly string[] OrderFields =
        ["name", "model_id", "model_type", "status", "source_run_id", "creation_time", "creation_timestamp", "creation_timestamp_ms", "last_updated_timestamp", "last_updated_timestamp_ms"];

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Outcome<LoggedModelView>> CreateAsync(long repositoryId, string? experimentId, string? name, string? modelType, string? sourceRunId,
        IReadOnlyList<(string Key, string Value)> parameters, IReadOnlyList<(string Key, string Value)> tags, CancellationToken cancellationToken)
    {
        if (name is not null && (name.Length == 0 || name.IndexOfAny(BadNameCharacters) >= 0 || name.Any(char.IsControl)))
        {
            return PortalError.Invalid($"Invalid model name ('{Shorten(name)}') provided. Model name must be a non-empty string and cannot contain the following characters: / : . % \" '");
        }

        if ((TooLong("Model name", name, RegistryRules.MaxNameLength) ?? TooLong("Model type", modelType, MaxKeyLength) ?? RegistryRules.InvalidRunId(sourceRunId)
            ?? InvalidParams(parameters) ?? InvalidTags(tags, MaxTagValueLength)) is { } invalid)
        {
            return invalid;
        }

        var experiment = await db.ActiveExperimentAsync(repositoryId, experimentId, cancellationToken);
        if (!experiment.Succeeded)
        {
            return experiment.Error!;
        }

        var id = "m-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var root = string.IsNullOrEmpty(experiment.Value!.ArtifactLocation) ? $"mlflow-artifacts:/{experiment.Value.Id}" : experiment.Value.ArtifactLocation.TrimEnd('/');
        var model = new LoggedModel
        {
            Id = id,
            RepositoryId = repositoryId,
            ExperimentId = experiment.Value.Id,
            Name = name ?? $"model-{id[2..10]}",
            ModelType = string.IsNullOrEmpty(modelType) ? null : modelType,
            SourceRunId = string.IsNullOrEmpty(sourceRunId) ? null : sourceRunId,
            ArtifactLocation = $"{root}/models/{id}/artifacts",
            CreationTimestamp = Now,
            LastUpdatedTimestamp = Now,
            Params = [.. parameters.Select(p => new LoggedModelParam { ModelId = id, Key = p.Key, Value = p.Value })],
            Tags = [.. tags.DistinctBy(t => t.Key).Select(t => new LoggedModelTag { ModelId = id, Key = t.Key, Value = t.Value })],
        };
        db.LoggedModels.Add(model);
        await db.SaveChangesAsync(cancellationToken);
        return new LoggedModelView(model, []);
    }

    public async Task<Outcome<LoggedModelView>> GetAsync(long repositoryId, string? modelId, CancellationToken cancellationToken)
    {
        var model = await TrackedAsync(repositoryId, modelId, cancellationToken);
        return model.Succeeded ? await ViewAsync(model.Value!, cancellationToken) : model.Error!;
    }

    /// <summary>Marks the model READY (its files are all up) or UPLOAD_FAILED.</summary>
    public async Task<Outcome<LoggedModelView>> FinalizeAsync(long repositoryId, string? modelId, string? status, CancellationToken cancellationToken)
    {
        var final = status switch
        {
            LoggedModelStatus.Ready or "2" => LoggedModelStatus.Ready,
            LoggedModelStatus.Failed or "3" => LoggedModelStatus.Failed,
            null => null,
            _ => "",
        };
        if (string.IsNullOrEmpty(final))
        {
            return PortalError.Invalid(final is null
                ? "Missing value for required parameter 'status'."
                : $"Invalid value '{Shorten(status!)}' for parameter 'status': a logged model is finalized {LoggedModelStatus.Ready} or {LoggedModelStatus.Failed}.");
        }

        var model = await TrackedAsync(repositoryId, modelId, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        model.Value!.Status = final;
        model.Value.LastUpdatedTimestamp = Now;
        await db.SaveChangesAsync(cancellationToken);
        return await ViewAsync(model.Value, cancellationToken);
    }

    /// <summary>Moves the model to the trash (as MLflow): it is no longer found or searched.</summary>
    public async Task<Outcome<bool>> DeleteAsync(long repositoryId, string? modelId, CancellationToken cancellationToken)
    {
        var model = await TrackedAsync(repositoryId, modelId, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        model.Value!.LifecycleStage = "deleted";
        model.Value.LastUpdatedTimestamp = Now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Adds params; as for runs, a logged param keeps its value (the same value again is accepted).</summary>
    public async Task<Outcome<bool>> LogParamsAsync(long repositoryId, string? modelId, IReadOnlyList<(string Key, string Value)> parameters, CancellationToken cancellationToken)
    {
        if (InvalidParams(parameters) is { } invalid)
        {
            return invalid;
        }

        var model = await TrackedAsync(repositoryId, modelId, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        await db.Entry(model.Value!).Collection(m => m.Params).LoadAsync(cancellationToken);
        foreach (var (key, value) in parameters)
        {
            if (model.Value!.Params.FirstOrDefault(p => p.Key == key) is { } existing)
            {
                if (existing.Value != value)
                {
                    return PortalError.Invalid($"Changing param values is not allowed. Param with key='{Shorten(key)}' was already logged with value='{Shorten(existing.Value)}' for model ID='{modelId}'.");
                }

                continue;
            }

            model.Value.Params.Add(new LoggedModelParam { ModelId = model.Value.Id, Key = key, Value = value });
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<Outcome<LoggedModelView>> SetTagsAsync(long repositoryId, string? modelId, IReadOnlyList<(string Key, string Value)> tags, CancellationToken cancellationToken)
    {
        if (InvalidTags(tags, MaxTagValueLength) is { } invalid)
        {
            return invalid;
        }

        var model = await TrackedAsync(repositoryId, modelId, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        await db.Entry(model.Value!).Collection(m => m.Tags).LoadAsync(cancellationToken);
        foreach (var (key, value) in tags)
        {
            if (model.Value!.Tags.FirstOrDefault(t => t.Key == key) is { } existing)
            {
                existing.Value = value;
            }
            else
            {
                model.Value.Tags.Add(new LoggedModelTag { ModelId = model.Value.Id, Key = key, Value = value });
            }
        }

        model.Value!.LastUpdatedTimestamp = Now;
        await db.SaveChangesAsync(cancellationToken);
        return await ViewAsync(model.Value, cancellationToken);
    }

    public async Task<Outcome<bool>> DeleteTagAsync(long repositoryId, string? modelId, string? key, CancellationToken cancellationToken)
    {
        var model = await TrackedAsync(repositoryId, modelId, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        var deleted = await db.LoggedModelTags.Where(t => t.ModelId == model.Value!.Id && t.Key == key).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? PortalError.NotFound($"No tag with key '{Shorten(key ?? "")}' found for model with ID '{modelId}'.") : true;
    }

    /// <summary>
    /// A page of the experiments' models matching <paramref name="filter"/> (attributes such as name, status or
    /// source_run_id, params.key, tags.key), ordered by <paramref name="orderBy"/> then newest first, paged by the database.
    /// </summary>
    public async Task<Outcome<(IReadOnlyList<LoggedModelView> Models, string? NextPageToken)>> SearchAsync(long repositoryId, IReadOnlyList<string> experimentIds, string? filter,
        long? maxResults, IReadOnlyList<(string Field, bool Ascending)> orderBy, string? pageToken, CancellationToken cancellationToken)
    {
        var size = RegistryQuery.PageSize(maxResults, DefaultPageSize, int.MaxValue, MaxPageSize);
        var clauses = RegistryFilter.Parse(filter);
        var order = RegistryQuery.OrderBy([.. orderBy.Select(o => $"{o.Field} {(o.Ascending ? "ASC" : "DESC")}")], OrderFields);
        if ((size.Error ?? clauses.Error ?? order.Error) is { } invalid)
        {
            return invalid;
        }

        var ids = experimentIds.Select(e => long.TryParse(e, out var id) ? id : -1).ToList();
        var query = db.LoggedModels.AsNoTracking().Include(m => m.Params).Include(m => m.Tags).AsSplitQuery()
            .Where(m => m.RepositoryId == repositoryId && ids.Contains(m.ExperimentId) && m.LifecycleStage == "active");
        foreach (var clause in clauses.Value!)
        {
            var condition = Condition(clause);
            if (!condition.Succeeded)
            {
                return condition.Error!;
            }

            query = query.Where(condition.Value!);
        }

        IOrderedQueryable<LoggedModel>? ordered = null;
        foreach (var (field, descending) in order.Value!)
        {
            ordered = field switch
            {
                "name" => query.Then(ordered, m => m.Name, descending),
                "model_id" => query.Then(ordered, m => m.Id, descending),
                "model_type" => query.Then(ordered, m => m.ModelType, descending),
                "status" => query.Then(ordered, m => m.Status, descending),
                "source_run_id" => query.Then(ordered, m => m.SourceRunId, descending),
                "last_updated_timestamp" or "last_updated_timestamp_ms" => query.Then(ordered, m => m.LastUpdatedTimestamp, descending),
                _ => query.Then(ordered, m => m.CreationTimestamp, descending),
            };
        }

        ordered = query.Then(query.Then(ordered, m => m.CreationTimestamp, descending: true), m => m.Id, descending: false);
        var found = await ordered.PageAsync(pageToken, size.Value, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        var (page, next) = found.Value;
        var registrations = await RegistrationsAsync([.. page.Select(m => m.Id)], cancellationToken);
        IReadOnlyList<LoggedModelView> views = [.. page.Select(m => new LoggedModelView(m, [.. registrations[m.Id]]))];
        return Outcome<(IReadOnlyList<LoggedModelView>, string?)>.Success((views, next));
    }

    private Outcome<Expression<Func<LoggedModel, bool>>> Condition(RegistryClause clause)
    {
        var (entity, key) = clause.Entity is "attributes" or "attribute" && clause.Key is not null ? (clause.Key.ToLowerInvariant(), (string?)null) : (clause.Entity, clause.Key);
        if (key is null)
        {
            return entity switch
            {
                "name" => RegistryQuery.Text<LoggedModel>(m => m.Name, clause),
                "model_id" => RegistryQuery.Text<LoggedModel>(m => m.Id, clause),
                "model_type" => RegistryQuery.Text<LoggedModel>(m => m.ModelType, clause),
                "source_run_id" => RegistryQuery.Text<LoggedModel>(m => m.SourceRunId, clause),
                "status" => RegistryQuery.Text<LoggedModel>(m => m.Status, clause with { Strings = [.. clause.Strings.Select(FullStatus)] }),
                "creation_time" or "creation_timestamp" or "creation_timestamp_ms" => RegistryQuery.Number<LoggedModel>(m => m.CreationTimestamp, clause),
                "last_updated_timestamp" or "last_updated_timestamp_ms" => RegistryQuery.Number<LoggedModel>(m => m.LastUpdatedTimestamp, clause),
                _ => UnknownField(clause),
            };
        }

        if (entity is "params" or "param")
        {
            var value = RegistryQuery.Text<LoggedModelParam>(p => p.Value, clause);
            var matching = value.Succeeded ? db.LoggedModelParams.Where(p => p.Key == key).Where(value.Value!).Select(p => p.ModelId) : null;
            return matching is null ? value.Error! : (Expression<Func<LoggedModel, bool>>)(m => matching.Contains(m.Id));
        }

        if (entity is "tags" or "tag")
        {
            var value = RegistryQuery.Text<LoggedModelTag>(t => t.Value, clause);
            var matching = value.Succeeded ? db.LoggedModelTags.Where(t => t.Key == key).Where(value.Value!).Select(t => t.ModelId) : null;
            return matching is null ? value.Error! : (Expression<Func<LoggedModel, bool>>)(m => matching.Contains(m.Id));
        }

        return entity is "metrics" or "metric"
            ? PortalError.Invalid("Portal does not link metrics to logged models, so it cannot filter on them: filter on attributes, params or tags.")
            : UnknownField(clause);
    }

    private static PortalError UnknownField(RegistryClause clause) =>
        PortalError.Invalid($"Invalid filter field '{clause.Shown}': logged models are searched by name, model_id, model_type, status, source_run_id, creation_time, last_updated_timestamp, params.<key> or tags.<key>.");

    /// <summary>MLflow's status names, also accepted without their LOGGED_MODEL_ prefix (READY, PENDING, UPLOAD_FAILED).</summary>
    private static string FullStatus(string status) => status.StartsWith("LOGGED_MODEL_", StringComparison.Ordinal) ? status : "LOGGED_MODEL_" + status;

    private async Task<Outcome<LoggedModel>> TrackedAsync(long repositoryId, string? modelId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(modelId))
        {
            return PortalError.Invalid("Missing value for required parameter 'model_id'.");
        }

        var model = await db.LoggedModels.FirstOrDefaultAsync(m => m.RepositoryId == repositoryId && m.Id == modelId && m.LifecycleStage == "active", cancellationToken);
        return model is null ? PortalError.NotFound($"Logged model with ID '{Shorten(modelId)}' not found.") : model;
    }

    private async Task<LoggedModelView> ViewAsync(LoggedModel model, CancellationToken cancellationToken)
    {
        await db.Entry(model).Collection(m => m.Params).LoadAsync(cancellationToken);
        await db.Entry(model).Collection(m => m.Tags).LoadAsync(cancellationToken);
        return new LoggedModelView(model, [.. (await RegistrationsAsync([model.Id], cancellationToken))[model.Id]]);
    }

    private async Task<ILookup<string, (string Name, long Version)>> RegistrationsAsync(IReadOnlyCollection<string> modelIds, CancellationToken cancellationToken) =>
        (await db.ModelVersions.AsNoTracking().Where(v => v.LoggedModelId != null && modelIds.Contains(v.LoggedModelId))
            .Select(v => new { v.LoggedModelId, v.Model.Name, v.Version }).ToListAsync(cancellationToken))
        .ToLookup(v => v.LoggedModelId!, v => (v.Name, v.Version));

    private static PortalError? InvalidParams(IReadOnlyList<(string Key, string Value)> parameters)
    {
        var badKey = parameters.Select(p => p.Key).FirstOrDefault(k => !IsValidKey(k));
        if (badKey is not null)
        {
            return PortalError.Invalid($"Invalid param key '{Shorten(badKey)}': keys are 1 to {MaxKeyLength} characters of letters, digits, '_', '-', '.', ' ' and '/'.");
        }

        if (parameters.Select(p => p.Key).Distinct().Count() != parameters.Count)
        {
            return PortalError.Invalid("Duplicate parameter keys have been submitted: send one value per key.");
        }

        return parameters.Select(p => TooLong("Param value", p.Value, MaxParamValueLength)).FirstOrDefault(e => e is not null);
    }
}
