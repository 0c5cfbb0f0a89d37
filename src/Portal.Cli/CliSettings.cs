using System.Text.Json;

namespace Portal.Cli;

/// <summary>Where Portal is and the token to use: PORTAL_URL and PORTAL_TOKEN first, else the file <c>portal login</c> wrote.</summary>
public sealed record CliSettings(Uri Url, string Token)
{
    public const string UrlVariable = "PORTAL_URL";

    public const string TokenVariable = "PORTAL_TOKEN";

    /// <summary>PORTAL_CONFIG, else $XDG_CONFIG_HOME/portal/config.json, else ~/.config/portal/config.json.</summary>
    public static string ConfigPath =>
        Environment.GetEnvironmentVariable("PORTAL_CONFIG") is { Length: > 0 } path
            ? path
            : Path.Combine(
                Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"),
                "portal",
                "config.json");

    public static CliSettings Load()
    {
        var url = Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } u ? u : null;
        var token = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } t ? t : null;
        // The file is read only for what the environment leaves out.
        var saved = (url is null || token is null) && File.Exists(ConfigPath) ? Read(ConfigPath) : null;
        url ??= saved?.Url;
        token ??= saved?.Token;
        if (url is null || token is null)
        {
            throw new CliException(ExitCodes.Usage, $"Tell portal where Portal is and how to sign in: set {UrlVariable} and {TokenVariable}, or run 'portal login --url URL' with the token on stdin.");
        }

        return new CliSettings(ParseUrl(url), token);
    }

    private static SavedSettings? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<SavedSettings>(File.ReadAllText(path), CliJson.Options);
        }
        catch (JsonException)
        {
            throw new CliException(ExitCodes.Usage, $"{path} is not a file 'portal login' wrote: run 'portal login' again (or set {UrlVariable} and {TokenVariable}).");
        }
    }

    public static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0)
        {
            throw new CliException(ExitCodes.Usage, $"'{text}' is not Portal's address: give an http:// or https:// URL without credentials, e.g. https://portal.example.");
        }

        return url;
    }

    /// <summary>Writes the file readable by its owner only: it holds a token.</summary>
    public void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using var stream = new FileStream(ConfigPath, options);
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        JsonSerializer.Serialize(stream, new SavedSettings(Url.ToString().TrimEnd('/'), Token), CliJson.Options);
    }

    private sealed record SavedSettings(string? Url, string? Token);
}

public static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
