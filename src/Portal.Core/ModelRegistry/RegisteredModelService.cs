using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Experiments;

namespace Portal.Core.ModelRegistry;

/// <summary>
/// MLflow's registered models for one repository: create, read, rename, describe, delete, search, tags, aliases and
/// the latest version per stage. Errors use the kinds the web layer maps to MLflow's codes, in MLflow's wording.
/// </summary>
public sealed class RegisteredModelService(PortalDbContext db, TimeProvider clock)
{
    /// <summary>MLflow's default and largest page of registered models.</summary>
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    private static readonly string[] OrderFields = ["name", "creation_timestamp", "last_updated_timestamp", "timestamp"];

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Outcome<RegisteredModelView>> CreateAsync(long repositoryId, string? name, string? description, IReadOnlyList<(string Key, string Value)> tags, CancellationToken cancellationToken)
    {
        if ((RegistryRules.InvalidName(name) ?? RegistryRules.InvalidText("Description", description, RegistryRules.MaxDescriptionLength) ?? RegistryRules.InvalidTags(tags)) is { } invalid)
        {
            return invalid;
        }

        if (await db.RegisteredModels.AnyAsync(m => m.RepositoryId == repositoryId && m.Name == name, cancellationToken))
        {
            return RegistryRules.NameTaken(name!);
        }

        var model = new RegisteredModel
        {
            RepositoryId = repositoryId,
            Name = name!,
            Description = description,
            CreationTimestamp = Now,
            LastUpdatedTimestamp = Now,
            Tags = [.. tags.DistinctBy(t => t.Key).Select(t => new RegisteredModelTag { Key = t.Key, Value = t.Value })],
        };
        db.RegisteredModels.Add(model);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Created by someone else between the check and the insert.
            db.ChangeTracker.Clear();
            return RegistryRules.NameTaken(name!);
        }

        return new RegisteredModelView(model, []);
    }

    public async Task<Outcome<RegisteredModelView>> GetAsync(long repositoryId, string? name, CancellationToken cancellationToken)
    {
        var model = await db.TrackedModelAsync(repositoryId, name, cancellationToken);
        return model.Succeeded ? await db.ViewAsync(model.Value!, cancellationToken) : model.Error!;
    }

    public async Task<Outcome<RegisteredModelView>> RenameAsync(long repositoryId, string? name, string? newName, CancellationToken cancellationToken)
    {
        if (RegistryRules.InvalidName(newName, "new_name") is { } invalid)
        {
            return invalid;
        }

        var model = await db.TrackedModelAsync(repositoryId, name, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        if (newName != name && await db.RegisteredModels.AnyAsync(m => m.RepositoryId == repositoryId && m.Name == newName, cancellationToken))
        {
            return RegistryRules.NameTaken(newName!);
        }

        model.Value!.Name = newName!;
        model.Value.LastUpdatedTimestamp = Now;
        await db.SaveChangesAsync(cancellationToken);
        return await db.ViewAsync(model.Value, cancellationToken);
    }

    public async Task<Outcome<RegisteredModelView>> UpdateAsync(long repositoryId, string? name, string? description, CancellationToken cancellationToken)
    {
        if (RegistryRules.InvalidText("Description", description, RegistryRules.MaxDescriptionLength) is { } invalid)
        {
            return invalid;
        }

        var model = await db.TrackedModelAsync(repositoryId, name, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        model.Value!.Description = description;
        model.Value.LastUpdatedTimestamp = Now;
        await db.SaveChangesAsync(cancellationToken);
        return await db.ViewAsync(model.Value, cancellationToken);
    }

    /// <summary>Deletes the model with its versions, tags and aliases (as MLflow's database store does: for good).</summary>
    public async Task<Outcome<bool>> DeleteAsync(long repositoryId, string? name, CancellationToken cancellationToken)
    {
        var model = await db.TrackedModelAsync(repositoryId, name, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        db.RegisteredModels.Remove(model.Value!);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// A page of models matching <paramref name="filter"/> (name = / != / LIKE / ILIKE, tags.key …), ordered by
    /// <paramref name="orderBy"/> then name, filtered, sorted and paged by the database.
    /// </summary>
    public async Task<Outcome<(IReadOnlyList<RegisteredModelView> Models, string? NextPageToken)>> SearchAsync(long repositoryId, string? filter, long? maxResults, IReadOnlyList<string> orderBy, string? pageToken, CancellationToken cancellationToken)
    {
        var size = RegistryQuery.PageSize(maxResults, DefaultPageSize, MaxPageSize, MaxPageSize);
        var clauses = RegistryFilter.Parse(filter);
        var order = RegistryQuery.OrderBy(orderBy, OrderFields);
        if ((size.Error ?? clauses.Error ?? order.Error) is { } invalid)
        {
            return invalid;
        }

        var query = db.RegisteredModels.AsNoTracking().Include(m => m.Tags).Include(m => m.Aliases).AsSplitQuery().Where(m => m.RepositoryId == repositoryId);
        foreach (var clause in clauses.Value!)
        {
            var filtered = Filter(query, clause);
            if (!filtered.Succeeded)
            {
                return filtered.Error!;
            }

            query = filtered.Value!;
        }

        IOrderedQueryable<RegisteredModel>? ordered = null;
        foreach (var (field, descending) in order.Value!)
        {
            ordered = field switch
            {
                "name" => query.Then(ordered, m => m.Name, descending),
                "creation_timestamp" => query.Then(ordered, m => m.CreationTimestamp, descending),
                _ => query.Then(ordered, m => m.LastUpdatedTimestamp, descending),
            };
        }

        ordered = query.Then(ordered, m => m.Name, descending: false);
        var found = await ordered.PageAsync(pageToken, size.Value, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        var (page, next) = found.Value;
        var latest = (await db.LatestVersionsAsync([.. page.Select(m => m.Id)], null, cancellationToken)).ToLookup(v => v.RegisteredModelId);
        IReadOnlyList<RegisteredModelView> views = [.. page.Select(m => new RegisteredModelView(m, [.. latest[m.Id]]))];
        return Outcome<(IReadOnlyList<RegisteredModelView>, string?)>.Success((views, next));
    }

    /// <summary>The latest version in each of <paramref name="stages"/> (all four when none), in MLflow's stage order.</summary>
    public async Task<Outcome<IReadOnlyList<ModelVersion>>> LatestVersionsAsync(long repositoryId, string? name, IReadOnlyList<string> stages, CancellationToken cancellationToken)
    {
        var canonical = new List<string>();
        foreach (var stage in stages)
        {
            var parsed = RegistryRules.Stage(stage);
            if (!parsed.Succeeded)
            {
                return parsed.Error!;
            }

            canonical.Add(parsed.Value!);
        }

        var model = await db.TrackedModelAsync(repositoryId, name, cancellationToken);
        return model.Succeeded
            ? Outcome<IReadOnlyList<ModelVersion>>.Success(await db.LatestVersionsAsync([model.Value!.Id], canonical.Count == 0 ? null : canonical, cancellationToken))
            : model.Error!;
    }

    public async Task<Outcome<bool>> SetTagAsync(long repositoryId, string? name, string? key, string? value, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            return PortalError.Invalid("Missing value for required parameter 'key'.");
        }

        if (RegistryRules.InvalidTags([(key, value ?? "")]) is { } invalid)
        {
            return invalid;
        }

        var model = await db.TrackedModelAsync(repositoryId, name, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        var existing = await db.RegisteredModelTags.FirstOrDefaultAsync(t => t.RegisteredModelId == model.Value!.Id && t.Key == key, cancellationToken);
        if (existing is null)
        {
            db.RegisteredModelTags.Add(new RegisteredModelTag { RegisteredModelId = model.Value!.Id, Key = key, Value = value ?? "" });
        }
        else
        {
            existing.Value = value ?? "";
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>As MLflow: deleting a tag the model does not have changes nothing and is not an error.</summary>
    public async Task<Outcome<bool>> DeleteTagAsync(long repositoryId, string? name, string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key))
        {
            return PortalError.Invalid("Missing value for required parameter 'key'.");
        }

        var model = await db.TrackedModelAsync(repositoryId, name, cancellationToken);
        if (!model.Succeeded)
        {
            return model.Error!;
        }

        await db.RegisteredModelTags.Where(t => t.RegisteredModelId == model.Value!.Id && t.Key == key).ExecuteDeleteAsync(cancellationToken);
        return true;
    }

    /// <summary>Points <paramref name="alias"/> at a version, moving it if it pointed elsewhere.</summary>
    public async Task<Outcome<bool>> SetAliasAsync(long repositoryId, string? name, string? alias, string? version, CancellationToken cancellationToken)
    {
        if (RegistryRules.InvalidAlias(alias) is { } invalid)
        {
            return invalid;
        }

        var found = await db.TrackedVersionAsync(repositoryId, name, version, cancellationToken);
        if (!found.Succeeded)
        {
            return found.Error!;
        }

        var model = found.Value!.Model;
        if (model.Aliases.FirstOrDefault(a => a.Alias == alias) is { } existing)
        {
            existing.Version = found.Value.Version;
        }
        else
        {
            model.Aliases.Add(new RegisteredModelAlias { RegisteredModelId = model.Id, Alias = alias!, Version = found.Value.Version });
        }

        model.LastUpdatedTimestamp = Now;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>As MLflow: deleting an alias the model does not have changes nothing and is not an error.</summary>
    public async Task<Outcome<bool>> DeleteAliasAsync(long repositoryId, string? name, string? alias, CancellationToken cancellationToken)
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

        await db.RegisteredModelAliases.Where(a => a.RegisteredModelId == model.Value!.Id && a.Alias == alias).ExecuteDeleteAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// The most recently changed models (at most <paramref name="limit"/>) with their latest versions (at most
    /// <paramref name="versionsPerModel"/> each), for the project page.
    /// </summary>
    public async Task<IReadOnlyList<(RegisteredModel Model, IReadOnlyList<ModelVersion> Versions)>> ListWithVersionsAsync(long repositoryId, int limit, int versionsPerModel, CancellationToken cancellationToken)
    {
        var models = await db.RegisteredModels.AsNoTracking().Include(m => m.Aliases).Where(m => m.RepositoryId == repositoryId)
            .OrderByDescending(m => m.LastUpdatedTimestamp).ThenBy(m => m.Name).Take(limit).ToListAsync(cancellationToken);
        var listed = new List<(RegisteredModel, IReadOnlyList<ModelVersion>)>();
        foreach (var model in models)
        {
            var versions = await db.ModelVersions.AsNoTracking().Where(v => v.RegisteredModelId == model.Id)
                .OrderByDescending(v => v.Version).Take(versionsPerModel).ToListAsync(cancellationToken);
            listed.Add((model, versions));
        }

        return listed;
    }

    /// <summary>Which of these runs are this repository's, with their experiment and name, so a version can link to its run.</summary>
    public async Task<IReadOnlyDictionary<string, (long ExperimentId, string RunName)>> RunsAsync(long repositoryId, IReadOnlyCollection<string> runIds, CancellationToken cancellationToken) =>
        (await db.TrackingRuns.AsNoTracking().Where(r => r.RepositoryId == repositoryId && runIds.Contains(r.Id))
            .Select(r => new { r.Id, r.ExperimentId, r.RunName }).ToListAsync(cancellationToken))
        .ToDictionary(r => r.Id, r => (r.ExperimentId, r.RunName));

    private Outcome<IQueryable<RegisteredModel>> Filter(IQueryable<RegisteredModel> query, RegistryClause clause)
    {
        if (clause is { Entity: "name", Key: null })
        {
            var condition = RegistryQuery.Text<RegisteredModel>(m => m.Name, clause);
            return condition.Succeeded ? Outcome<IQueryable<RegisteredModel>>.Success(query.Where(condition.Value!)) : condition.Error!;
        }

        if (clause is { Entity: "tags" or "tag", Key: { } key })
        {
            var condition = RegistryQuery.Text<RegisteredModelTag>(t => t.Value, clause);
            if (!condition.Succeeded)
            {
                return condition.Error!;
            }

            var tagged = db.RegisteredModelTags.Where(t => t.Key == key).Where(condition.Value!).Select(t => t.RegisteredModelId);
            return Outcome<IQueryable<RegisteredModel>>.Success(query.Where(m => tagged.Contains(m.Id)));
        }

        return PortalError.Invalid($"Invalid filter field '{clause.Shown}': registered models are searched by name or tags.<key>, e.g. name LIKE 'fraud%'.");
    }
}
