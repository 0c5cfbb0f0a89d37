using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Portal.Core.Experiments;

namespace Portal.Web.Remotes;

/// <summary>
/// An MLflow request's fields, from the JSON body (POST) or the query string (GET). Lenient where MLflow clients
/// differ: int64 fields may arrive as numbers or strings, and metric values as numbers or "NaN"/"Infinity".
/// </summary>
public sealed class TrackingRequest
{
    private readonly IQueryCollection query;

    private TrackingRequest(JsonElement root, IQueryCollection query)
    {
        Root = root;
        this.query = query;
    }

    public JsonElement Root { get; }

    /// <summary>The fields the client sent: the body's top-level names and the query string's keys.</summary>
    public IEnumerable<string> FieldNames =>
        (Root.ValueKind == JsonValueKind.Object ? Root.EnumerateObject().Select(p => p.Name) : []).Concat(query.Keys);

    public static async Task<TrackingRequest?> ReadAsync(HttpContext context)
    {
        // MLflow's client sends GET fields as query parameters and POST, PATCH and DELETE fields as a JSON body.
        var hasBody = HttpMethods.IsPost(context.Request.Method) || HttpMethods.IsPatch(context.Request.Method) || HttpMethods.IsDelete(context.Request.Method);
        var noBody = context.Request.ContentLength == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false };
        if (!hasBody || noBody)
        {
            return new TrackingRequest(default, context.Request.Query);
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? new TrackingRequest(document.RootElement.Clone(), context.Request.Query)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public string? String(string name)
    {
        if (Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty(name, out var value))
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            };
        }

        return query.TryGetValue(name, out var fromQuery) ? fromQuery.ToString() : null;
    }

    /// <summary>A JSON true/false, or "true"/"false" in the query string.</summary>
    public bool? Bool(string name) =>
        Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : bool.TryParse(String(name), out var parsed) ? parsed : null;

    public long? Long(string name) => long.TryParse(String(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public IReadOnlyList<string> Strings(string name)
    {
        if (Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array)
        {
            return [.. value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())];
        }

        return query.TryGetValue(name, out var fromQuery) ? [.. fromQuery.OfType<string>()] : [];
    }

    public IEnumerable<JsonElement> Array(string name) =>
        Root.ValueKind == JsonValueKind.Object && Root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    public IReadOnlyList<(string Key, string Value)> KeyValues(string name) =>
        [.. Array(name).Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("key", out _))
            .Select(e => (e.GetProperty("key").GetString() ?? "", e.TryGetProperty("value", out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.GetRawText() : ""))];

    public MetricValue? Metric(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("key", out var key) || key.GetString() is not { } name
            || !element.TryGetProperty("value", out var value) || !TryDouble(value, out var number)
            || !element.TryGetProperty("timestamp", out var timestamp) || !TryLong(timestamp, out var time))
        {
            return null;
        }

        var step = element.TryGetProperty("step", out var s) && TryLong(s, out var parsedStep) ? parsedStep : 0;
        return new MetricValue(name, number, time, step);
    }

    private static bool TryLong(JsonElement element, out long value) =>
        element.ValueKind == JsonValueKind.Number ? element.TryGetInt64(out value)
        : long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool TryDouble(JsonElement element, out double value) =>
        element.ValueKind == JsonValueKind.Number ? element.TryGetDouble(out value)
        : double.TryParse(element.ValueKind == JsonValueKind.String ? element.GetString() : null, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
