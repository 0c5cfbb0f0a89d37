using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.ModelRegistry;

/// <summary>A registered model as MLflow returns it: the model with its tags and aliases, and its latest version in each stage.</summary>
public sealed record RegisteredModelView(RegisteredModel Model, IReadOnlyList<ModelVersion> LatestVersions);

/// <summary>Look-ups the registry services share, with MLflow's not-found wording.</summary>
internal static class RegistryLookups
{
    /// <summary>Versions with what MLflow returns for one: the model's name and aliases, and the version's tags.</summary>
    public static IQueryable<ModelVersion> VersionsWithData(this PortalDbContext db) =>
        db.ModelVersions.Include(v => v.Model).ThenInclude(m => m.Aliases).Include(v => v.Tags).AsSplitQuery();

    /// <summary>The model, tracked for a change.</summary>
    public static async Task<Outcome<RegisteredModel>> TrackedModelAsync(this PortalDbContext db, long repositoryId, string? name, CancellationToken cancellationToken)
    {
        if (RegistryRules.InvalidName(name) is { } invalid)
        {
            return invalid;
        }

        var model = await db.RegisteredModels.FirstOrDefaultAsync(m => m.RepositoryId == repositoryId && m.Name == name, cancellationToken);
        return model is null ? RegistryRules.ModelNotFound(name!) : model;
    }

    /// <summary>The version, tracked for a change, with its model, aliases and tags.</summary>
    public static async Task<Outcome<ModelVersion>> TrackedVersionAsync(this PortalDbContext db, long repositoryId, string? name, string? version, CancellationToken cancellationToken)
    {
        if (RegistryRules.InvalidName(name) is { } invalid)
        {
            return invalid;
        }

        var number = RegistryRules.Version(version);
        if (!number.Succeeded)
        {
            return number.Error!;
        }

        var found = await db.VersionsWithData().FirstOrDefaultAsync(v => v.Model.RepositoryId == repositoryId && v.Model.Name == name && v.Version == number.Value, cancellationToken);
        return found is null ? RegistryRules.VersionNotFound(name!, number.Value) : found;
    }

    /// <summary>Each model's latest version in each stage, for the given models (one query, whatever the number of versions).</summary>
    public static async Task<IReadOnlyList<ModelVersion>> LatestVersionsAsync(this PortalDbContext db, IReadOnlyCollection<long> modelIds, IReadOnlyCollection<string>? stages, CancellationToken cancellationToken)
    {
        var query = db.VersionsWithData().AsNoTracking().Where(v => modelIds.Contains(v.RegisteredModelId)
            && v.Version == db.ModelVersions.Where(o => o.RegisteredModelId == v.RegisteredModelId && o.CurrentStage == v.CurrentStage).Max(o => o.Version));
        if (stages is not null)
        {
            query = query.Where(v => stages.Contains(v.CurrentStage));
        }

        var versions = await query.ToListAsync(cancellationToken);
        return [.. versions.OrderBy(v => v.RegisteredModelId).ThenBy(v => IndexOf(v.CurrentStage))];
    }

    public static async Task<RegisteredModelView> ViewAsync(this PortalDbContext db, RegisteredModel model, CancellationToken cancellationToken)
    {
        await db.Entry(model).Collection(m => m.Tags).LoadAsync(cancellationToken);
        await db.Entry(model).Collection(m => m.Aliases).LoadAsync(cancellationToken);
        return new RegisteredModelView(model, await db.LatestVersionsAsync([model.Id], null, cancellationToken));
    }

    /// <summary>Appends one ordering to a query (the first becomes OrderBy, the rest ThenBy).</summary>
    public static IOrderedQueryable<T> Then<T, TKey>(this IQueryable<T> query, IOrderedQueryable<T>? ordered, Expression<Func<T, TKey>> key, bool descending) =>
        ordered is null
            ? descending ? query.OrderByDescending(key) : query.OrderBy(key)
            : descending ? ordered.ThenByDescending(key) : ordered.ThenBy(key);

    private static int IndexOf(string stage)
    {
        for (var i = 0; i < RegistryRules.Stages.Count; i++)
        {
            if (RegistryRules.Stages[i] == stage)
            {
                return i;
            }
        }

        return RegistryRules.Stages.Count;
    }
}
