using System.CommandLine;
using System.Text;
using System.Text.Json;

namespace Portal.Cli;

/// <summary><c>portal repo create|list|show|sync|delete|syncs|wait</c>.</summary>
public static class RepoCommands
{
    public const string AuthSecretVariable = "PORTAL_AUTH_SECRET";

    private static readonly Argument<string> FullName = new("OWNER/NAME") { Description = "The repository, with its owner." };

    /// <summary>The longest Portal is asked to hold one GET (well under the client's 100 s timeout).</summary>
    private const int MaxHeldSeconds = 30;

    /// <summary>The least time between two GETs while the sync still runs.</summary>
    private static readonly TimeSpan MinRequestInterval = TimeSpan.FromMilliseconds(200);

    public static Command Build()
    {
        var repo = new Command("repo", "Create, list, sync and delete repositories.");
        repo.Subcommands.Add(Create());
        repo.Subcommands.Add(new Command("list", "The repositories you can see.").WithAction(ListAsync));
        repo.Subcommands.Add(WithName(new Command("show", "A repository and its sync status."), ShowAsync));
        repo.Subcommands.Add(Sync());
        repo.Subcommands.Add(Delete());
        repo.Subcommands.Add(WithName(new Command("syncs", "Sync history, newest first, with the refs each run changed."), SyncsAsync));
        repo.Subcommands.Add(Wait());
        return repo;
    }

    private static Command WithName(Command command, Func<ParseResult, string, CancellationToken, Task<int>> action)
    {
        command.Arguments.Add(FullName);
        return command.WithAction((parse, ct) => action(parse, CliCommand.RepositoryPath(parse.GetValue(FullName)!), ct));
    }

    private static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The new repository's name, or OWNER/NAME." };
        var mirror = new Option<bool>("--mirror", "-m") { Description = "A mirror: a read-only copy of --clone-url kept in sync." };
        var migrate = new Option<bool>("--migrate") { Description = "A migration: --clone-url copied once, then hosted here." };
        var cloneUrl = new Option<string>("--clone-url") { Description = "The upstream to mirror or migrate." };
        var authUser = new Option<string>("--auth-user") { Description = "User name for the upstream (with --auth-secret-stdin or $PORTAL_AUTH_SECRET)." };
        var authSecretStdin = new Option<bool>("--auth-secret-stdin") { Description = $"Read the upstream token or password from stdin (else ${AuthSecretVariable}, if set)." };
        var owner = new Option<string>("--owner") { Description = "The user or organization that owns it (default: you)." };
        var isPrivate = new Option<bool>("--private") { Description = "Only its owner and members see it." };
        var isPublic = new Option<bool>("--public") { Description = "Everyone sees it." };
        var description = new Option<string>("--description") { Description = "A one-line description." };
        var command = new Command("create", "Create a mirror (-m), a migration (--migrate) or, with neither, an empty hosted repository.")
        {
            name, mirror, migrate, cloneUrl, authUser, authSecretStdin, owner, isPrivate, isPublic, description,
        };
        return command.WithAction(async (parse, ct) =>
        {
            if (parse.GetValue(mirror) && parse.GetValue(migrate))
            {
                throw new CliException(ExitCodes.Usage, "Choose one of -m (mirror) and --migrate.");
            }

            if (parse.GetValue(isPrivate) && parse.GetValue(isPublic))
            {
                throw new CliException(ExitCodes.Usage, "Choose one of --private and --public.");
            }

            var mode = parse.GetValue(mirror) ? "mirror" : parse.GetValue(migrate) ? "migrate" : "hosted";
            var url = parse.GetValue(cloneUrl);
            if ((mode == "hosted") != (url is null))
            {
                throw new CliException(ExitCodes.Usage, mode == "hosted" ? "--clone-url needs -m (mirror) or --migrate." : $"A {mode} needs --clone-url URL.");
            }

            var secret = Secrets.FromStdinOrEnvironment(parse.GetValue(authSecretStdin), AuthSecretVariable, "upstream token or password");
            var user = parse.GetValue(authUser);
            var (ownerName, repositoryName) = SplitName(parse.GetValue(name)!, parse.GetValue(owner));
            using var api = PortalApi.FromSettings(CliSettings.Load());
            ownerName ??= (await api.GetAsync("api/v1/user", ct)).GetProperty("userName").GetString();
            var created = await api.PostAsync("api/v1/repos", new
            {
                mode,
                cloneUrl = url,
                owner = ownerName,
                name = repositoryName,
                visibility = parse.GetValue(isPrivate) ? "private" : parse.GetValue(isPublic) ? "public" : null,
                description = parse.GetValue(description),
                auth = secret is null && user is null ? null : new { username = user, secret },
            }, ct);
            return CliCommand.Print(parse, created, r => mode == "hosted"
                ? $"Created {r.Text("fullName")}: push to {r.Text("cloneUrl")}"
                : $"Created {r.Text("fullName")} ({mode}); it imports in the background: portal repo wait {r.Text("fullName")}");
        });
    }

    private static (string? Owner, string Name) SplitName(string name, string? owner)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (owner, name);
        }

        if (owner is not null && !string.Equals(owner, name[..slash], StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(ExitCodes.Usage, $"--owner {owner} and '{name}' name different owners: give one.");
        }

        return (name[..slash], name[(slash + 1)..]);
    }

    private static async Task<int> ListAsync(ParseResult parse, CancellationToken ct)
    {
        using var api = PortalApi.FromSettings(CliSettings.Load());
        return CliCommand.Print(parse, await api.GetAsync("api/v1/repos", ct), list =>
            list.GetArrayLength() == 0
                ? "No repositories."
                : string.Join('\n', list.EnumerateArray().Select(r => $"{r.Text("fullName")}\t{r.Text("mode")}\t{r.Text("visibility")}\t{SyncStatus(r)}")));
    }

    private static async Task<int> ShowAsync(ParseResult parse, string path, CancellationToken ct)
    {
        using var api = PortalApi.FromSettings(CliSettings.Load());
        return CliCommand.Print(parse, await api.GetAsync(path, ct), r =>
        {
            var text = new StringBuilder()
                .AppendLine($"{r.Text("fullName")} ({r.Text("mode")}, {r.Text("visibility")})")
                .AppendLine($"clone:    {r.Text("cloneUrl")}")
                .AppendLine($"branch:   {r.Text("defaultBranch")}");
            if (r.TryGetProperty("sync", out var sync) && sync.ValueKind == JsonValueKind.Object)
            {
                text.AppendLine($"upstream: {r.Text("upstreamUrl")}")
                    .AppendLine($"sync:     {sync.Text("status")}, last success {sync.Text("lastSuccessAt")}, next {sync.Text("nextSyncAt")}");
                if (sync.Text("lastError") is var error && error != "-")
                {
                    text.AppendLine($"error:    {error}");
                }
            }

            return text.ToString().TrimEnd();
        });
    }

    private static Command Sync()
    {
        var wait = new Option<bool>("--wait") { Description = "Then wait until the sync ends, as 'portal repo wait' does (exit 0 if it succeeded, 1 if it failed)." };
        var timeout = TimeoutOption();
        var command = new Command("sync", "Queue a sync of a mirror now.") { wait, timeout };
        return WithName(command, async (parse, path, ct) =>
        {
            using var api = PortalApi.FromSettings(CliSettings.Load());
            var queued = await api.PostAsync($"{path}/sync", null, ct);
            return parse.GetValue(wait)
                ? await WaitAsync(parse, api, path, parse.GetValue(timeout), ct)
                : CliCommand.Print(parse, queued, _ => $"Sync queued: portal repo wait {parse.GetValue(FullName)}");
        });
    }

    private static Command Delete()
    {
        var yes = new Option<bool>("--yes") { Description = "Really delete: the repository, its history here and its LFS objects." };
        var command = new Command("delete", "Delete a repository.") { yes };
        return WithName(command, async (parse, path, ct) =>
        {
            if (!parse.GetValue(yes))
            {
                throw new CliException(ExitCodes.Usage, $"Deleting {parse.GetValue(FullName)} removes its history here and its LFS objects: add --yes to confirm.");
            }

            using var api = PortalApi.FromSettings(CliSettings.Load());
            await api.DeleteAsync(path, ct);
            return CliCommand.Print(parse, JsonSerializer.SerializeToElement(new { deleted = parse.GetValue(FullName) }), _ => $"Deleted {parse.GetValue(FullName)}.");
        });
    }

    private static async Task<int> SyncsAsync(ParseResult parse, string path, CancellationToken ct)
    {
        using var api = PortalApi.FromSettings(CliSettings.Load());
        return CliCommand.Print(parse, await api.GetAsync($"{path}/syncs", ct), runs =>
        {
            var text = new StringBuilder();
            foreach (var run in runs.EnumerateArray())
            {
                text.AppendLine($"{run.Text("startedAt")}\t{run.Text("trigger")}\t{run.Text("outcome")}{(run.Text("error") is var e && e != "-" ? $"\t{e}" : "")}");
                foreach (var change in run.GetProperty("refChanges").EnumerateArray())
                {
                    text.AppendLine($"    {change.Text("kind"),-8} {change.Text("ref")} {Short(change.Text("oldSha"))}..{Short(change.Text("newSha"))}");
                }
            }

            return text.Length == 0 ? "No syncs yet." : text.ToString().TrimEnd();
        });
    }

    private static Option<int> TimeoutOption() =>
        new("--timeout") { Description = "Give up waiting after this many seconds (exit 1).", DefaultValueFactory = _ => 600 };

    private static Command Wait()
    {
        var timeout = TimeoutOption();
        var command = new Command("wait", "Wait until the queued or running sync ends; exit 0 if it succeeded, 1 if it failed.") { timeout };
        return WithName(command, async (parse, path, ct) =>
        {
            using var api = PortalApi.FromSettings(CliSettings.Load());
            return await WaitAsync(parse, api, path, parse.GetValue(timeout), ct);
        });
    }

    /// <summary>
    /// Until the sync is neither queued nor running: each GET is held by Portal until then (?wait=, at most 30 s at a
    /// time), so the end is seen when it happens, not at the next poll. The progress line ticks meanwhile.
    /// </summary>
    private static async Task<int> WaitAsync(ParseResult parse, PortalApi api, string path, int timeoutSeconds, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var deadline = started.AddSeconds(timeoutSeconds);
        var repository = await api.GetAsync(path, ct);
        while (SyncStatus(repository) is "queued" or "running")
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync();
                throw new CliException(ExitCodes.Failed, $"The sync of {parse.GetValue(FullName)} is still {SyncStatus(repository)} after {timeoutSeconds} s.");
            }

            var asked = DateTime.UtcNow;
            var status = SyncStatus(repository);
            var held = api.GetAsync($"{path}?wait={Math.Clamp((int)Math.Ceiling(remaining.TotalSeconds), 1, MaxHeldSeconds)}", ct);
            while (!held.IsCompleted)
            {
                // The progress line goes to stderr, so stdout stays the result alone (text or --json).
                await Console.Error.WriteAsync($"\r{parse.GetValue(FullName)}: {status} ({(DateTime.UtcNow - started).TotalSeconds:0} s)   ");
                await Task.WhenAny(held, Task.Delay(TimeSpan.FromSeconds(1), ct));
            }

            repository = await held;
            var early = MinRequestInterval - (DateTime.UtcNow - asked);
            if (SyncStatus(repository) is "queued" or "running" && early > TimeSpan.Zero)
            {
                // Answered at once while the sync still runs (a Portal that does not hold the request): not asked again at once.
                await Task.Delay(early, ct);
            }
        }

        await Console.Error.WriteLineAsync();
        var ended = SyncStatus(repository);
        CliCommand.Print(parse, repository, r => $"{r.Text("fullName")}: {ended}{(ended is "failed" or "hard_failed" ? $": {r.GetProperty("sync").Text("lastError")}" : "")}");
        return ended is "failed" or "hard_failed" ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static string SyncStatus(JsonElement repository) =>
        repository.TryGetProperty("sync", out var sync) && sync.ValueKind == JsonValueKind.Object ? sync.Text("status") : "hosted";

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
