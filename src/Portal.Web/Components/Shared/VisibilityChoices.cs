using Portal.Core.Repositories;

namespace Portal.Web.Components.Shared;

/// <summary>The visibilities a form offers, named with the words the API uses, for a dropdown (TextProperty "Text", ValueProperty "Value").</summary>
public static class VisibilityChoices
{
    public static IReadOnlyList<VisibilityChoice> All { get; } =
        [.. new[] { RepositoryVisibility.Private, RepositoryVisibility.Internal, RepositoryVisibility.Public }.Select(v => new VisibilityChoice(v, Text(v)))];

    /// <summary>"private", "internal", "public".</summary>
    public static string Text(RepositoryVisibility visibility) => visibility.ToString().ToLowerInvariant();
}

public sealed record VisibilityChoice(RepositoryVisibility Value, string Text);
