namespace Portal.Web.Rendering;

/// <summary>"3 hours ago", the way people read times on a project page.</summary>
public static class TimeText
{
    public static string Ago(DateTime? when, DateTime now)
    {
        if (when is null)
        {
            return "never";
        }

        var span = now - when.Value;
        if (span < TimeSpan.Zero)
        {
            return "in " + Span(-span);
        }

        return span < TimeSpan.FromSeconds(45) ? "just now" : Span(span) + " ago";
    }

    private static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1.5 } => "a minute",
        { TotalMinutes: < 60 } => $"{span.TotalMinutes:0} minutes",
        { TotalHours: < 1.5 } => "an hour",
        { TotalHours: < 24 } => $"{span.TotalHours:0} hours",
        { TotalDays: < 1.5 } => "a day",
        { TotalDays: < 45 } => $"{span.TotalDays:0} days",
        { TotalDays: < 365 } => $"{span.TotalDays / 30:0} months",
        _ => $"{span.TotalDays / 365:0.#} years",
    };
}
