using System.CommandLine;
using Portal.Cli;

var root = new RootCommand($"portal: Portal's command-line client. Set {CliSettings.UrlVariable} and {CliSettings.TokenVariable}, or run 'portal login'.");
root.Options.Add(CliCommand.Json);
root.Subcommands.Add(AccountCommands.Login());
root.Subcommands.Add(RepoCommands.Build());
root.Subcommands.Add(AccountCommands.Token());
root.Subcommands.Add(WebhookCommands.Build());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"portal: {error.Message}");
    }

    Console.Error.WriteLine("Run 'portal --help' (or 'portal COMMAND --help') for usage.");
    return ExitCodes.Usage;
}

return await parse.InvokeAsync();
