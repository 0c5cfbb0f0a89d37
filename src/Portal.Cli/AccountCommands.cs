using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;

namespace Portal.Cli;

/// <summary><c>portal login</c> and <c>portal token create</c>.</summary>
public static class AccountCommands
{
    public const string PasswordVariable = "PORTAL_PASSWORD";

    public static Command Login()
    {
        var url = new Option<string>("--url") { Description = $"Portal's address (else ${CliSettings.UrlVariable}).", };
        var tokenStdin = new Option<bool>("--token-stdin") { Description = $"Read the token from stdin (else ${CliSettings.TokenVariable})." };
        var command = new Command("login", $"Check a token and save it with Portal's address in {CliSettings.ConfigPath} (readable by you only).") { url, tokenStdin };
        return command.WithAction(async (parse, ct) =>
        {
            var address = parse.GetValue(url) ?? Environment.GetEnvironmentVariable(CliSettings.UrlVariable)
                ?? throw new CliException(ExitCodes.Usage, $"Give Portal's address: --url URL (or ${CliSettings.UrlVariable}).");
            var token = Secrets.FromStdinOrEnvironment(parse.GetValue(tokenStdin), CliSettings.TokenVariable, "token")
                ?? throw new CliException(ExitCodes.Usage, $"Give the token on stdin with --token-stdin (or in ${CliSettings.TokenVariable}); create one under Settings > Access tokens.");
            var settings = new CliSettings(CliSettings.ParseUrl(address), token);
            using var api = PortalApi.FromSettings(settings);
            var user = await api.GetAsync("api/v1/user", ct);
            settings.Save();
            return CliCommand.Print(parse, user, u => $"Signed in to {settings.Url} as {u.Text("userName")}.");
        });
    }

    public static Command Token()
    {
        var name = new Option<string>("--name") { Description = "What the token is for.", Required = true };
        var scopes = new Option<string[]>("--scope") { Description = "read, write and/or api (repeat the option); default all three.", AllowMultipleArgumentsPerToken = true };
        var user = new Option<string>("--user") { Description = "Your user name.", Required = true };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = $"Read your password from stdin (else ${PasswordVariable}): a token cannot create tokens." };
        var create = new Command("create", "Create an access token (printed once).") { name, scopes, user, passwordStdin };
        create.WithAction(async (parse, ct) =>
        {
            var password = Secrets.FromStdinOrEnvironment(parse.GetValue(passwordStdin), PasswordVariable, "password")
                ?? throw new CliException(ExitCodes.Usage, $"Give your password on stdin with --password-stdin (or in ${PasswordVariable}).");
            var address = Environment.GetEnvironmentVariable(CliSettings.UrlVariable) is { Length: > 0 } u ? u : CliSettings.Load().Url.ToString();
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{parse.GetValue(user)}:{password}"));
            using var api = new PortalApi(CliSettings.ParseUrl(address), new AuthenticationHeaderValue("Basic", basic));
            var requested = parse.GetValue(scopes) is { Length: > 0 } given ? given : ["read", "write", "api"];
            var token = await api.PostAsync("api/v1/tokens", new { name = parse.GetValue(name), scopes = requested }, ct);
            return CliCommand.Print(parse, token, t => t.Text("token"));
        });
        var command = new Command("token", "Access tokens.");
        command.Subcommands.Add(create);
        return command;
    }
}
