using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Portal.Cli;

/// <summary>Portal's REST API: one request per call, its answer as JSON, or a <see cref="CliException"/> with Portal's own words and an exit code.</summary>
public sealed class PortalApi : IDisposable
{
    private readonly HttpClient http;

    public PortalApi(Uri baseUrl, AuthenticationHeaderValue authorization)
    {
        http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = authorization;
        http.DefaultRequestHeaders.UserAgent.ParseAdd("portal-cli/1");
    }

    public static PortalApi FromSettings(CliSettings settings) => new(settings.Url, new AuthenticationHeaderValue("Bearer", settings.Token));

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: CliJson.Options);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"Cannot reach Portal at {http.BaseAddress}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"Portal at {http.BaseAddress} did not answer in {http.Timeout.TotalSeconds:0} s.");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            }

            throw new CliException(ExitCodeOf(response.StatusCode), $"{(int)response.StatusCode} {response.ReasonPhrase}: {ProblemText(text, response.StatusCode)}");
        }
    }

    public static int ExitCodeOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.Unauthorized,
        HttpStatusCode.NotFound => ExitCodes.NotFound,
        >= HttpStatusCode.InternalServerError => ExitCodes.Unreachable,
        _ => ExitCodes.Refused,
    };

    /// <summary>A problem detail's words (detail, else title), or what the status means when Portal said nothing readable.</summary>
    private static string ProblemText(string body, HttpStatusCode status)
    {
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            foreach (var field in (string[])["detail", "title"])
            {
                if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(field, out var value) && value.GetString() is { Length: > 0 } words)
                {
                    return words;
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem detail (e.g. a proxy's page): fall back to the status.
        }

        return status == HttpStatusCode.Unauthorized ? "the token was not accepted: check PORTAL_TOKEN or run 'portal login' again." : "Portal refused the request.";
    }

    public void Dispose() => http.Dispose();
}
