using System.Reflection;
using Microsoft.AspNetCore.Components;

namespace Portal.Web.Components;

/// <summary>
/// The addresses of pages that render only on the server (<see cref="ExcludeFromInteractiveRoutingAttribute"/>: the
/// account pages, which set the sign-in cookie). The live router leaves them out of its table, so without this a click
/// on "Sign in" from a live page would fall through to the project page's /{Owner}/{Name} route and show "Repository
/// not found". <see cref="Routes"/> sends such navigations to the server instead.
/// </summary>
internal static class StaticPageRoutes
{
    private static readonly string[][] Templates = [.. typeof(StaticPageRoutes).Assembly.GetTypes()
        .Where(type => type.GetCustomAttribute<ExcludeFromInteractiveRoutingAttribute>() is not null)
        .SelectMany(type => type.GetCustomAttributes<RouteAttribute>())
        .Select(route => Segments(route.Template))];

    /// <summary>Whether a base-relative path (query and fragment allowed) is one of those pages.</summary>
    public static bool Matches(string relativePath)
    {
        var end = relativePath.IndexOfAny(['?', '#']);
        var path = Segments(end < 0 ? relativePath : relativePath[..end]);
        return Templates.Any(template => template.Length == path.Length && template.Zip(path).All(pair => IsParameter(pair.First) || string.Equals(pair.First, pair.Second, StringComparison.OrdinalIgnoreCase)));
    }

    private static string[] Segments(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static bool IsParameter(string segment) => segment.StartsWith('{') && segment.EndsWith('}');
}
