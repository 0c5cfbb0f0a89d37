using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Portal.Core.Data;

/// <summary>
/// Microsoft.Data.Sqlite 9 is compiled against SQLitePCLRaw 2.1.x, but the only SQLitePCLRaw in our registry is
/// 2.0.6 (see shared/STACK.md). The runtime refuses to bind a lower assembly version than the one referenced, so
/// this answers those binding requests with the 2.0.6 assembly shipped beside the app. Its API surface used by
/// Microsoft.Data.Sqlite is the same. Delete this file when a 2.1.x bundle restores.
/// </summary>
public static class SqliteNativeShim
{
    private static int installed;

    // Runs when Portal.Core loads, which is before anything can touch Microsoft.Data.Sqlite through it.
#pragma warning disable CA2255 // a module initializer is the only hook that runs before the first binding request
    [ModuleInitializer]
#pragma warning restore CA2255
    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 1)
        {
            return;
        }

        AssemblyLoadContext.Default.Resolving += ResolveSqlitePcl;
    }

    private static Assembly? ResolveSqlitePcl(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name is null || !name.Name.StartsWith("SQLitePCLRaw.", StringComparison.Ordinal))
        {
            return null;
        }

        var path = Path.Combine(AppContext.BaseDirectory, name.Name + ".dll");
        return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
    }
}
