using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Experiments;

namespace Portal.Core.ModelRegistry;

/// <summary>
/// Search clauses and order_by strings as SQL conditions and orderings (EF Core expressions, so the database filters,
/// sorts and pages: no search loads more than a page), and MLflow's page-size rules.
/// </summary>
internal static class RegistryQuery
{
    private static readonly System.Reflection.MethodInfo Glob =
        typeof(SqliteDbFunctionsExtensions).GetMethod(nameof(SqliteDbFunctionsExtensions.Glob), [typeof(DbFunctions), typeof(string), typeof(string)])!;

    private static readonly System.Reflection.MethodInfo Like =
        typeof(DbFunctionsExtensions).GetMethod(nameof(DbFunctionsExtensions.Like), [typeof(DbFunctions), typeof(string), typeof(string)])!;

    private static readonly System.Reflection.MethodInfo Contains =
        typeof(Enumerable).GetMethods().First(m => m.Name == nameof(Enumerable.Contains) && m.GetParameters().Length == 2).MakeGenericMethod(typeof(string));

    /// <summary>
    /// A string field compared as MLflow does: =, !=, IN, NOT IN exactly; LIKE case-sensitive (SQLite's own LIKE ignores
    /// case, so it becomes GLOB, as MLflow does on SQLite); ILIKE ignoring case.
    /// </summary>
    public static Outcome<Expression<Func<T, bool>>> Text<T>(Expression<Func<T, string?>> field, RegistryClause clause)
    {
        if (clause.Number is not null || clause.Op is FilterOperator.Less or FilterOperator.LessOrEqual or FilterOperator.Greater or FilterOperator.GreaterOrEqual)
        {
            return PortalError.Invalid($"{clause.Shown} compares strings: use =, !=, LIKE, ILIKE, IN or NOT IN with a quoted value, e.g. {clause.Shown} = 'value'.");
        }

        var value = clause.Strings[0];
        var functions = Expression.Constant(EF.Functions);
        Expression test = clause.Op switch
        {
            FilterOperator.Equal => Expression.Equal(field.Body, Expression.Constant(value, typeof(string))),
            FilterOperator.NotEqual => Expression.NotEqual(field.Body, Expression.Constant(value, typeof(string))),
            FilterOperator.Like => Expression.Call(Glob, functions, field.Body, Expression.Constant(LikeToGlob(value))),
            FilterOperator.ILike => Expression.Call(Like, functions, field.Body, Expression.Constant(value)),
            FilterOperator.In => Expression.Call(Contains, Expression.Constant(clause.Strings, typeof(IEnumerable<string>)), field.Body),
            _ => Expression.Not(Expression.Call(Contains, Expression.Constant(clause.Strings, typeof(IEnumerable<string>)), field.Body)),
        };
        return Expression.Lambda<Func<T, bool>>(test, field.Parameters);
    }

    /// <summary>A whole-number field (a version number or a time) compared with =, !=, &lt;, &lt;=, &gt;, &gt;=.</summary>
    public static Outcome<Expression<Func<T, bool>>> Number<T>(Expression<Func<T, long>> field, RegistryClause clause)
    {
        if (clause.Number is not { } number || clause.Op is FilterOperator.Like or FilterOperator.ILike or FilterOperator.In or FilterOperator.NotIn)
        {
            return PortalError.Invalid($"{clause.Shown} is a number: compare it with =, !=, <, <=, > or >=, e.g. {clause.Shown} > 1.");
        }

        var value = Expression.Constant((long)Math.Floor(number));
        Expression test = clause.Op switch
        {
            FilterOperator.Equal => Expression.Equal(field.Body, value),
            FilterOperator.NotEqual => Expression.NotEqual(field.Body, value),
            FilterOperator.Less => Expression.LessThan(field.Body, value),
            FilterOperator.LessOrEqual => Expression.LessThanOrEqual(field.Body, value),
            FilterOperator.Greater => Expression.GreaterThan(field.Body, value),
            _ => Expression.GreaterThanOrEqual(field.Body, value),
        };
        return Expression.Lambda<Func<T, bool>>(test, field.Parameters);
    }

    /// <summary>MLflow's order_by strings ("name", "version_number DESC"), each naming one of <paramref name="fields"/>.</summary>
    public static Outcome<IReadOnlyList<(string Field, bool Descending)>> OrderBy(IReadOnlyList<string> orderBy, IReadOnlyCollection<string> fields)
    {
        var clauses = new List<(string, bool)>();
        foreach (var clause in orderBy.Where(o => !string.IsNullOrWhiteSpace(o)))
        {
            var parts = clause.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var field = parts[0].ToLowerInvariant();
            if (parts.Length > 2 || !fields.Contains(field) || (parts.Length == 2 && parts[1].ToUpperInvariant() is not ("ASC" or "DESC")))
            {
                var shown = clause.Length > 60 ? clause[..60] + "…" : clause;
                return PortalError.Invalid($"Invalid order_by clause '{shown}': order by one of {string.Join(", ", fields)}, optionally followed by ASC or DESC.");
            }

            clauses.Add((field, parts.Length == 2 && parts[1].Equals("DESC", StringComparison.OrdinalIgnoreCase)));
        }

        return clauses;
    }

    /// <summary>
    /// MLflow's max_results: <paramref name="fallback"/> when unset, refused beyond <paramref name="threshold"/> (MLflow's
    /// words); Portal answers at most <paramref name="pageCap"/> a page and gives a next_page_token for the rest.
    /// </summary>
    public static Outcome<int> PageSize(long? maxResults, int fallback, int threshold, int pageCap)
    {
        if (maxResults is null)
        {
            return Math.Min(fallback, pageCap);
        }

        if (maxResults < 1)
        {
            return PortalError.Invalid($"Invalid value for request parameter max_results. It must be at least 1, but got value {maxResults}");
        }

        return maxResults > threshold
            ? PortalError.Invalid($"Invalid value for request parameter max_results. It must be at most {threshold}, but got value {maxResults}")
            : (int)Math.Min(maxResults.Value, pageCap);
    }

    /// <summary>An SQL LIKE pattern as a GLOB pattern: % → *, _ → ?, and GLOB's own *, ? and [ made literal.</summary>
    internal static string LikeToGlob(string pattern)
    {
        var glob = new StringBuilder(pattern.Length);
        foreach (var c in pattern)
        {
            glob.Append(c switch
            {
                '%' => "*",
                '_' => "?",
                '*' => "[*]",
                '?' => "[?]",
                '[' => "[[]",
                _ => c.ToString(),
            });
        }

        return glob.ToString();
    }
}
