namespace Portal.Web.Components.Pages.Repositories;

/// <summary>
/// The one-line client set-ups for a project's DVC and MLflow remotes, shown by the Clone drop-down and the Remotes panel.
/// The token is a placeholder: a secret is never rendered back.
/// </summary>
public static class RemoteCommands
{
    public static string Dvc(string storageUrl, string? userName) =>
        $"dvc remote add -d origin {storageUrl} && dvc remote modify origin auth basic && dvc remote modify --local origin user {User(userName)} && dvc remote modify --local origin password <token>";

    public static string Mlflow(string experimentsUrl, string? userName) =>
        $"export MLFLOW_TRACKING_URI={experimentsUrl} MLFLOW_TRACKING_USERNAME={User(userName)} MLFLOW_TRACKING_PASSWORD=<token>";

    private static string User(string? userName) => userName ?? "<user>";
}
