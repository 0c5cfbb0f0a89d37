using Portal.Core.ProtectedBranches;

namespace Portal.Core.Hosting;

/// <summary>The layout of Portal's data folder. Every path Portal writes is derived here, never from user input.</summary>
public sealed class DataDirectory
{
    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string DatabasePath => Path.Combine(Root, "portal.db");

    public string KeysPath => Path.Combine(Root, "keys");

    public string RepositoriesPath => Path.Combine(Root, "repositories");

    public string TempPath => Path.Combine(Root, "tmp");

    public string GitHomePath => Path.Combine(Root, "git-home");

    public string LfsPath => Path.Combine(Root, "lfs");

    /// <summary>A repository's folder is named by its database id, so a rename never moves files and no name reaches a path.</summary>
    public string RepositoryPath(long repositoryId) => Path.Combine(RepositoriesPath, $"{repositoryId}.git");

    /// <summary>A repository's Git LFS objects, content-addressed (objects/aa/bb/&lt;sha256&gt;), keyed by id like the repository.</summary>
    public string LfsStoragePath(long repositoryId) => Path.Combine(LfsPath, repositoryId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A repository's DVC storage remote, laid out as DVC requests it (files/md5/aa/…).</summary>
    public string DvcStoragePath(long repositoryId) => Path.Combine(Root, "dvc", repositoryId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A repository's MLflow artifacts: files/ as the client names them (experiment/run/artifacts/…), incoming/ for uploads in progress.</summary>
    public string MlflowArtifactsPath(long repositoryId) => Path.Combine(Root, "mlflow-artifacts", repositoryId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Portal's own git hooks, used for pushes only (everywhere else hooks are off).</summary>
    public string PushHooksPath => Path.Combine(GitHomePath, "push-hooks");

    public void EnsureCreated()
    {
        foreach (var path in new[] { Root, KeysPath, RepositoriesPath, TempPath, GitHomePath, LfsPath, PushHooksPath })
        {
            Directory.CreateDirectory(path);
        }

        WritePushPolicyHook();
    }

    /// <summary>Portal's pre-receive hook (ref-name policy and protected branches), rewritten at every start.</summary>
    private void WritePushPolicyHook() => PushPolicyHook.WriteTo(PushHooksPath);
}
