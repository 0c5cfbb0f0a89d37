using Portal.Core.Data;
using Portal.Core.ModelRegistry;

namespace Portal.Core.Experiments;

/// <summary>
/// experiments/search's filter and order_by as SQL, as MLflow's SqlAlchemyStore: filter on <c>name</c>,
/// <c>creation_time</c>, <c>last_update_time</c> (bare or as <c>attributes.*</c>) and <c>tags.&lt;key&gt;</c>; order by
/// <c>name</c>, <c>experiment_id</c>, <c>creation_time</c>, <c>last_update_time</c>; by default newest first, and always
/// by experiment id last, so offset pages never repeat or skip one.
/// </summary>
internal static class ExperimentSearchQuery
{
    private static readonly string[] OrderFields = ["name", "experiment_id", "creation_time", "last_update_time"];

    public static Outcome<IQueryable<TrackingExperiment>> Filter(IQueryable<TrackingExperiment> query, PortalDbContext db, string? filter)
    {
        var clauses = RegistryFilter.Parse(filter);
        if (!clauses.Succeeded)
        {
            return clauses.Error!;
        }

        foreach (var clause in clauses.Value!)
        {
            var attribute = clause.Entity is "attribute" or "attributes" or "attr" ? clause.Key?.ToLowerInvariant() : clause.Key is null ? clause.Entity : null;
            var condition = (attribute, clause.Entity) switch
            {
                ("name", _) => RegistryQuery.Text<TrackingExperiment>(e => e.Name, clause),
                ("creation_time", _) => RegistryQuery.Number<TrackingExperiment>(e => e.CreationTime, clause),
                ("last_update_time", _) => RegistryQuery.Number<TrackingExperiment>(e => e.LastUpdateTime, clause),
                (null, "tags" or "tag") when clause.Key is { } key => Tagged(db, key, clause),
                _ => PortalError.Invalid($"Invalid filter field '{clause.Shown}': experiments are searched by name, creation_time, last_update_time or tags.<key>, e.g. name LIKE 'sweep%'."),
            };
            if (!condition.Succeeded)
            {
                return condition.Error!;
            }

            query = query.Where(condition.Value!);
        }

        return Outcome<IQueryable<TrackingExperiment>>.Success(query);
    }

    public static Outcome<IOrderedQueryable<TrackingExperiment>> Order(IQueryable<TrackingExperiment> query, IReadOnlyList<string> orderBy)
    {
        var fields = RegistryQuery.OrderBy([.. orderBy.Select(o => StripAttributePrefix(o.Trim()))], OrderFields);
        if (!fields.Succeeded)
        {
            return fields.Error!;
        }

        IReadOnlyList<(string Field, bool Descending)> order = fields.Value!.Count > 0 ? fields.Value : [("creation_time", true)];
        IOrderedQueryable<TrackingExperiment>? ordered = null;
        foreach (var (field, descending) in order)
        {
            ordered = field switch
            {
                "name" => query.Then(ordered, e => e.Name, descending),
                "experiment_id" => query.Then(ordered, e => e.Id, descending),
                "creation_time" => query.Then(ordered, e => e.CreationTime, descending),
                _ => query.Then(ordered, e => e.LastUpdateTime, descending),
            };
        }

        return Outcome<IOrderedQueryable<TrackingExperiment>>.Success(order.Any(o => o.Field == "experiment_id") ? ordered! : query.Then(ordered, e => e.Id, descending: false));
    }

    private static Outcome<System.Linq.Expressions.Expression<Func<TrackingExperiment, bool>>> Tagged(PortalDbContext db, string key, RegistryClause clause)
    {
        var condition = RegistryQuery.Text<TrackingExperimentTag>(t => t.Value, clause);
        if (!condition.Succeeded)
        {
            return condition.Error!;
        }

        var tagged = db.TrackingExperimentTags.Where(t => t.Key == key).Where(condition.Value!).Select(t => t.ExperimentId);
        return Outcome<System.Linq.Expressions.Expression<Func<TrackingExperiment, bool>>>.Success(e => tagged.Contains(e.Id));
    }

    private static string StripAttributePrefix(string clause)
    {
        foreach (var prefix in new[] { "attributes.", "attribute.", "attr." })
        {
            if (clause.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return clause[prefix.Length..];
            }
        }

        return clause;
    }
}
