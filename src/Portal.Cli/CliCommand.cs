using System.CommandLine;
using System.Text.Json;

namespace Portal.Cli;

/// <summary>What every command shares: <c>--json</c>, the connection, printing, and turning failures into exit codes.</summary>
public static class CliCommand
{
    public static readonly Option<bool> Json = new("--json") { Description = "Print Portal's JSON answer (machine output) instead of text.", Recursive = true };

    /// <summary>Sets the command's action: its failures are printed to stderr and end with their exit code.</summary>
    public static Command WithAction(this Command command, Func<ParseResult, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken);
            }
            catch (CliException e)
            {
                await Console.Error.WriteLineAsync($"portal: {e.Message}");
                return e.ExitCode;
            }
        });
        return command;
    }

    /// <summary>Prints <paramref name="json"/> as JSON with --json, else the text <paramref name="text"/> makes of it.</summary>
    public static int Print(ParseResult parse, JsonElement json, Func<JsonElement, string> text)
    {
        Console.Out.WriteLine(parse.GetValue(Json) ? JsonSerializer.Serialize(json, CliJson.Options) : text(json));
        return ExitCodes.Ok;
    }

    public static string Text(this JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()
            : "-";

    /// <summary>OWNER/NAME as the API's path, refused with the shape expected otherwise.</summary>
    public static string RepositoryPath(string fullName)
    {
        var parts = fullName.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0))
        {
            throw new CliException(ExitCodes.Usage, $"'{fullName}' is not OWNER/NAME: name the repository with its owner, e.g. data-team/app.");
        }

        return $"api/v1/repos/{Uri.EscapeDataString(parts[0])}/{Uri.EscapeDataString(parts[1])}";
    }
}
