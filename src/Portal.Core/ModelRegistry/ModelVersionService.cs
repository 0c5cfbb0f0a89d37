using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Experiments;

namespace Portal.Core.ModelRegistry;

/// <summary>
/// Versions of MLflow registered models for one repository: create (READY at once: Portal keeps no copy, the source
/// URI is where the files are), read, describe, delete, move between stages, search, tags, aliases.
/// </summary>
public sealed class ModelVersionService(PortalDbContext db, TimeProvider clock)
{
    /// <summary>MLflow's default page and refusal threshold; Portal answers at most <see cref="MaxPageSize"/> a page and pages the rest.</summary>
    public const int DefaultPageSize = 10_000;
    public const int MaxResultsThreshold = 200_000;
    public const int MaxPageSize = 10_000;

    private static readonly string[] OrderFields = ["name", "version_number", "creation_timestamp", "last_updated_timestamp", "timestamp"];

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Outcome<ModelVersion>> CreateAsync(long repositoryId, NewModelVersion request, CancellationToken cancellationToken)
    {
        if ((InvalidSource(request.Source) ?? RegistryRules.InvalidRunId(request.RunId)
            ?? RegistryRules.InvalidText("Run link", request.RunLink, RegistryRules.MaxSourceLength)
            ?? RegistryRules.InvalidText("Description", request.Description, RegistryRules.MaxDescriptionLength)
            ?? RegistryRules.InvalidText("Model id", request.ModelId, 64)
            ?? RegistryRules.InvalidTags(request.Tags)) is { } invalid)
        {
            return invalid;
        }

        // Two clients may register the same model at once: the unique (model, version) index makes one of them retry.
        for (var attempt = 0; ; attempt++)
        {
            var model = await db.TrackedModelAsync(repositoryId, request.Name, cancellationToken);
            if (!model.Succeeded)
            {
                return model.Error!;
            }

            var version = new ModelVersion
            {
                RegisteredModelId = model.Value!.Id,
                Model = model.Value,
                Version = model.Value.LastVersion + 1,
                Source = request.Source!,
                RunId = string.IsNullOrEmpty(request.RunId) ? null : request.RunId,
                RunLink = string.IsNullOrEmpty(request.RunLink) ? null : request.RunLink,
                LoggedModelId = string.IsNullOrEmpty(request.ModelId) ? null : request.ModelId,
                Description = request.Description,
                CreationTimestamp = Now,
                LastUpdatedTimestamp = Now,
                Tags = [.. request.Tags.DistinctBy(t => t.Key).Select(t => new ModelVersionTag { Key = t.Key, Value = t.Value })],
            };
            model.Value.LastVersion = version.Version;
            model.Value.LastUpdatedTimestamp = Now;
            db.ModelVersions.Add(version);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await db.Entry(model.Value).Collection(m => m.Aliases).LoadAsync(cancellationToken);
                return version;
            }
            catch (DbUpdateException) when (attempt < 4)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    public Task<Outcome<ModelVersion>> GetAsync(long repositoryId, string? name, string? version, CancellationToken cancellationToken) =>
        db.TrackedVersionAsync(repositoryId, name, version, cancellationToken);

    public async Task<Outcome<ModelVersion>> GetByAliasAsync(long repositoryId, string? name, string? alias, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(alias))
        {
            return PortalError.Invalid("Missing value for required parameter 'alias'.");
        }

        var model = await db.TrackedModelAsync(repositoryId, name, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        var pointer = await db.RegisteredModelAliases.AsNoTracking().FirstOrDefaultAsync(a => a.RegisteredModelId == model.Value!.Id && a.Alias == alias, cancellationToken);
        return pointer is null
            ? RegistryRules.AliasNotFound(name!, alias)
            : await db.TrackedVersionAsync(repositoryId, name, pointer.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
    }

    public async Task<Outcome<ModelVersion>> UpdateAsync(long repositoryId, string? name, string? version, string? description, CancellationToken cancellationToken)
    {
        if (RegistryRules.InvalidText("Description", description, RegistryRules.MaxDescriptionLength) is { } invalid)
        {
            return invalid;
        }

        var found = await db.TrackedVersionAsync(repositoryId, name, version, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        found.Value!.Description = description;
        found.Value.LastUpdatedTimestamp = Now;
        await db.SaveChangesAsync(cancellationToken);
        return found.Value;
    }

    /// <summary>Deletes the version and the aliases pointing at it; its number is not given again.</summary>
    public async Task<Outcome<bool>> DeleteAsync(long repositoryId, string? name, string? version, CancellationToken cancellationToken)
    {
        var found = await db.TrackedVersionAsync(repositoryId, name, version, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        var model = found.Value!.Model;
        model.Aliases.RemoveAll(a => a.Version == found.Value.Version);
        model.LastUpdatedTimestamp = Now;
        db.ModelVersions.Remove(found.Value);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Moves the version to a stage; with <paramref name="archiveExisting"/> (Staging and Production only, as MLflow) the
    /// model's other versions in that stage move to Archived in the same transaction.
    /// </summary>
    public async Task<Outcome<ModelVersion>> TransitionStageAsync(long repositoryId, string? name, string? version, string? stage, bool? archiveExisting, CancellationToken cancellationToken)
    {
        if (stage is null)
        {
            return PortalError.Invalid("Missing value for required parameter 'stage'.");
        }

        if (archiveExisting is null)
        {
            return PortalError.Invalid("Missing value for required parameter 'archive_existing_versions'.");
        }

        var canonical = RegistryRules.Stage(stage);
        if (!canonical.Succeeded)
        {
            return canonical.Error!;
        }

        if (archiveExisting == true && canonical.Value is not ("Staging" or "Production"))
        {
            return PortalError.Invalid($"Model version transition cannot archive existing model versions because '{canonical.Value}' is not an Active stage. Valid stages are Staging, Production");
        }

        var found = await db.TrackedVersionAsync(repositoryId, name, version, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        var target = found.Value!;
        if (archiveExisting == true)
        {
            var others = await db.ModelVersions.Where(v => v.RegisteredModelId == target.RegisteredModelId && v.CurrentStage == canonical.Value && v.Id != target.Id).ToListAsync(cancellationToken);
            foreach (var other in others)
            {
                other.CurrentStage = "Archived";
                other.LastUpdatedTimestamp = Now;
            }
        }

        target.CurrentStage = canonical.Value!;
        target.LastUpdatedTimestamp = Now;
        target.Model.LastUpdatedTimestamp = Now;
        await db.SaveChangesAsync(cancellationToken);
        return target;
    }

    /// <summary>
    /// A page of versions matching <paramref name="filter"/> (name, run_id, source_path, version_number, tags.key), ordered
    /// by <paramref name="orderBy"/> (MLflow's default: last update first) then name and version, paged by the database.
    /// </summary>
    public async Task<Outcome<(IReadOnlyList<ModelVersion> Versions, string? NextPageToken)>> SearchAsync(long repositoryId, string? filter, long? maxResults, IReadOnlyList<string> orderBy, string? pageToken, CancellationToken cancellationToken)
    {
        var size = RegistryQuery.PageSize(maxResults, DefaultPageSize, MaxResultsThreshold, MaxPageSize);
        var clauses = RegistryFilter.Parse(filter);
        var order = RegistryQuery.OrderBy(orderBy, OrderFields);
        if ((size.Error ?? clauses.Error ?? order.Error) is { } invalid)
        {
            return invalid;
        }

        var query = db.VersionsWithData().AsNoTracking().Where(v => v.Model.RepositoryId == repositoryId);
        foreach (var clause in clauses.Value!)
        {
            var filtered = Filter(query, clause);
            if (!filtered.Succeeded)
            {
                return filtered.Error!;
            }

            query = filtered.Value!;
        }

        IOrderedQueryable<ModelVersion>? ordered = null;
        IReadOnlyList<(string Field, bool Descending)> sorting = order.Value!.Count == 0 ? [("last_updated_timestamp", true)] : order.Value;
        foreach (var (field, descending) in sorting)
        {
            ordered = field switch
            {
                "name" => query.Then(ordered, v => v.Model.Name, descending),
                "version_number" => query.Then(ordered, v => v.Version, descending),
                "creation_timestamp" => query.Then(ordered, v => v.CreationTimestamp, descending),
                _ => query.Then(ordered, v => v.LastUpdatedTimestamp, descending),
            };
        }

        ordered = query.Then(query.Then(ordered, v => v.Model.Name, descending: false), v => v.Version, descending: true);
        var found = await ordered.PageAsync(pageToken, size.Value, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        var (page, next) = found.Value;
        return Outcome<(IReadOnlyList<ModelVersion>, string?)>.Success((page, next));
    }

    public async Task<Outcome<bool>> SetTagAsync(long repositoryId, string? name, string? version, string? key, string? value, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            return PortalError.Invalid("Missing value for required parameter 'key'.");
        }

        if (RegistryRules.InvalidTags([(key, value ?? "")]) is { } invalid)
        {
            return invalid;
        }

        var found = await db.TrackedVersionAsync(repositoryId, name, version, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        if (found.Value!.Tags.FirstOrDefault(t => t.Key == key) is { } existing)
        {
            existing.Value = value ?? "";
        }
        else
        {
            found.Value.Tags.Add(new ModelVersionTag { ModelVersionId = found.Value.Id, Key = key, Value = value ?? "" });
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>As MLflow: deleting a tag the version does not have changes nothing and is not an error.</summary>
    public async Task<Outcome<bool>> DeleteTagAsync(long repositoryId, string? name, string? version, string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key))
        {
            return PortalError.Invalid("Missing value for required parameter 'key'.");
        }

        var found = await db.TrackedVersionAsync(repositoryId, name, version, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        found.Value!.Tags.RemoveAll(t => t.Key == key);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// A version's source says where its files are (runs:/…, models:/…, mlflow-artifacts:/…, or the run's own artifact
    /// path). MLflow's server refuses sources naming files on the server itself; so does Portal: absolute paths, file:
    /// URIs, drive letters and any ".." segment.
    /// </summary>
    private static PortalError? InvalidSource(string? source)
    {
        if (string.IsNullOrEmpty(source))
        {
            return PortalError.Invalid("Missing value for required parameter 'source'.");
        }

        if (RegistryRules.InvalidText("Source", source, RegistryRules.MaxSourceLength) is { } tooLong)
        {
            return tooLong;
        }

        var local = source[0] is '/' or '\\' || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            || (source.Length > 1 && char.IsAsciiLetter(source[0]) && source[1] == ':');
        var climbs = source.Split('/', '\\').Any(segment => segment == "..");
        return local || climbs || source.Any(char.IsControl)
            ? PortalError.Invalid($"Invalid model version source: '{TrackingLimits.Shorten(source)}'. A source says where the model's files are, e.g. runs:/<run_id>/model, models:/<model_id> or mlflow-artifacts:/…; local paths and '..' are refused.")
            : null;
    }

    private Outcome<IQueryable<ModelVersion>> Filter(IQueryable<ModelVersion> query, RegistryClause clause)
    {
        Outcome<Expression<Func<ModelVersion, bool>>> condition = clause switch
        {
            { Entity: "name", Key: null } => RegistryQuery.Text<ModelVersion>(v => v.Model.Name, clause),
            { Entity: "run_id", Key: null } => RegistryQuery.Text<ModelVersion>(v => v.RunId, clause),
            { Entity: "source_path", Key: null } => RegistryQuery.Text<ModelVersion>(v => v.Source, clause),
            { Entity: "version_number", Key: null } => RegistryQuery.Number<ModelVersion>(v => v.Version, clause),
            { Entity: "tags" or "tag", Key: not null } => TagCondition(clause),
            _ => PortalError.Invalid($"Invalid filter field '{clause.Shown}': model versions are searched by name, run_id, source_path, version_number or tags.<key>, e.g. name = 'fraud'."),
        };
        return condition.Succeeded ? Outcome<IQueryable<ModelVersion>>.Success(query.Where(condition.Value!)) : condition.Error!;
    }

    private Outcome<Expression<Func<ModelVersion, bool>>> TagCondition(RegistryClause clause)
    {
        var value = RegistryQuery.Text<ModelVersionTag>(t => t.Value, clause);
        if (!value.Succeeded)
        {
            return value.Error!;
        }

        var tagged = db.ModelVersionTags.Where(t => t.Key == clause.Key).Where(value.Value!).Select(t => t.ModelVersionId);
        return (Expression<Func<ModelVersion, bool>>)(v => tagged.Contains(v.Id));
    }
}

/// <summary>What model-versions/create carries.</summary>
public sealed record NewModelVersion(string? Name, string? Source, string? RunId, string? RunLink, string? Description, string? ModelId, IReadOnlyList<(string Key, string Value)> Tags);
