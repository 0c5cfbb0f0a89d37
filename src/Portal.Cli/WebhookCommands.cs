using System.CommandLine;

namespace Portal.Cli;

/// <summary><c>portal webhook add|list|deliveries</c>, for a repository (OWNER/NAME) or an organization (ORG).</summary>
public static class WebhookCommands
{
    public const string SecretVariable = "PORTAL_WEBHOOK_SECRET";

    private static readonly Argument<string> Target = new("OWNER/NAME|ORG") { Description = "A repository, or an organization (its webhooks hear all its repositories)." };

    public static Command Build()
    {
        var command = new Command("webhook", "Webhooks Portal posts its events to.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(new Command("list", "The webhooks (never their secrets).") { Target }.WithAction(async (parse, ct) =>
        {
            using var api = PortalApi.FromSettings(CliSettings.Load());
            return CliCommand.Print(parse, await api.GetAsync(HooksPath(parse.GetValue(Target)!), ct), list =>
                list.GetArrayLength() == 0
                    ? "No webhooks."
                    : string.Join('\n', list.EnumerateArray().Select(h => $"{h.Text("id")}\t{h.Text("url")}\t{string.Join(',', h.GetProperty("events").EnumerateArray().Select(e => e.GetString()))}\t{(h.GetProperty("active").GetBoolean() ? "active" : "inactive")}")));
        }));
        var id = new Argument<long>("ID") { Description = "The webhook's id (see webhook list)." };
        command.Subcommands.Add(new Command("deliveries", "A webhook's recent deliveries, newest first.") { Target, id }.WithAction(async (parse, ct) =>
        {
            using var api = PortalApi.FromSettings(CliSettings.Load());
            return CliCommand.Print(parse, await api.GetAsync($"{HooksPath(parse.GetValue(Target)!)}/{parse.GetValue(id)}/deliveries", ct), list =>
                list.GetArrayLength() == 0
                    ? "No deliveries yet."
                    : string.Join('\n', list.EnumerateArray().Select(d => $"{d.Text("id")}\t{d.Text("createdAt")}\t{d.Text("event")}\t{d.Text("status")}\t{d.Text("responseStatus")}\t{d.Text("durationMs")} ms{(d.Text("error") is var e && e != "-" ? $"\t{e}" : "")}")));
        }));
        return command;
    }

    private static Command Add()
    {
        var url = new Option<string>("--url") { Description = "Where to post (http:// or https://).", Required = true };
        var secretStdin = new Option<bool>("--secret-stdin") { Description = $"Read the signing secret from stdin (else ${SecretVariable})." };
        var events = new Option<string[]>("--event") { Description = "An event to deliver (repeat): push, sync.succeeded, sync.failed, sync.hard_failed, push_mirror.failed, repository.created, repository.deleted.", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command("add", "Add a webhook.") { Target, url, secretStdin, events };
        return command.WithAction(async (parse, ct) =>
        {
            var secret = Secrets.FromStdinOrEnvironment(parse.GetValue(secretStdin), SecretVariable, "webhook secret")
                ?? throw new CliException(ExitCodes.Usage, $"Give the signing secret on stdin with --secret-stdin (or in ${SecretVariable}).");
            using var api = PortalApi.FromSettings(CliSettings.Load());
            var created = await api.PostAsync(HooksPath(parse.GetValue(Target)!), new { url = parse.GetValue(url), secret, events = parse.GetValue(events) }, ct);
            return CliCommand.Print(parse, created, h => $"Webhook {h.Text("id")} added: {h.Text("url")}");
        });
    }

    private static string HooksPath(string target) =>
        target.Contains('/', StringComparison.Ordinal) ? $"{CliCommand.RepositoryPath(target)}/webhooks" : $"api/v1/orgs/{Uri.EscapeDataString(target)}/webhooks";
}
