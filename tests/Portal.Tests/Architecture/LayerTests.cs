using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Portal.Core.Jobs;
using Portal.Testing;

namespace Portal.Tests.Architecture;

/// <summary>
/// The layers, checked on what was built and what is written: only Portal.Git starts processes, only Portal.Outbound
/// opens connections, only the job engine writes job state, and the upstream layer depends on no feature above it.
/// </summary>
public sealed class LayerTests
{
    private static readonly string[] ProcessTypes = ["System.Diagnostics.Process", "System.Diagnostics.ProcessStartInfo"];

    private static readonly string[] SocketTypes =
        ["System.Net.Http.SocketsHttpHandler", "System.Net.Http.HttpClientHandler", "System.Net.Sockets.Socket", "System.Net.Sockets.TcpClient", "System.Net.WebClient"];

    [Theory]
    [InlineData("Portal.Core")]
    [InlineData("Portal.Web")]
    [InlineData("Portal.Outbound")]
    public void OnlyPortalGit_StartsProcesses(string assembly) =>
        Assert.Empty(ReferencedTypes(assembly).Intersect(ProcessTypes));

    [Theory]
    [InlineData("Portal.Core")]
    [InlineData("Portal.Web")]
    [InlineData("Portal.Git")]
    public void OnlyPortalOutbound_OpensConnections(string assembly) =>
        Assert.Empty(ReferencedTypes(assembly).Intersect(SocketTypes));

    [Fact]
    public void TheEdgeProjects_AreWhereTheyShouldBe()
    {
        Assert.Contains("System.Diagnostics.Process", ReferencedTypes("Portal.Git"));
        Assert.Contains("System.Net.Http.SocketsHttpHandler", ReferencedTypes("Portal.Outbound"));
        Assert.DoesNotContain(Assembly.Load("Portal.Git").GetReferencedAssemblies(), a => a.Name!.StartsWith("Portal.", StringComparison.Ordinal));
        Assert.DoesNotContain(Assembly.Load("Portal.Outbound").GetReferencedAssemblies(), a => a.Name!.StartsWith("Portal.", StringComparison.Ordinal));
    }

    [Fact]
    public void JobState_HasOneWriter()
    {
        // Nobody outside Job can set its state: every setter is private (EF maps them).
        Assert.All(typeof(Job).GetProperties(), p => Assert.True(p.SetMethod is null || p.SetMethod.IsPrivate, $"Job.{p.Name} has a non-private setter"));
        // And set-based writes to the Jobs table (ExecuteUpdate/ExecuteDelete, raw SQL) appear in the engine only.
        var writers = SourceFiles("src")
            .Where(f => Regex.IsMatch(File.ReadAllText(f), @"\.Jobs\b[\s\S]{0,400}?\.Execute(Update|Delete)Async|UPDATE ""Jobs"""))
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/'))
            .ToList();
        Assert.All(writers, f => Assert.True(f.StartsWith("src/Portal.Core/Jobs/", StringComparison.Ordinal) || f.Contains("/Migrations/", StringComparison.Ordinal), $"{f} writes job state"));
        Assert.Contains("src/Portal.Core/Jobs/JobEngine.cs", writers);
    }

    [Fact]
    public void Upstreams_DependOnNoFeatureAboveThem()
    {
        var features = new Regex(@"\bPortal\.Core\.(Repositories|Mirroring|Jobs|Experiments|Storage|Browsing|Lfs|Organizations)\b|\bPortal\.Web\b");
        var offenders = SourceFiles("src/Portal.Core/Upstreams").Where(f => features.IsMatch(File.ReadAllText(f))).ToList();
        Assert.Empty(offenders);
    }

    private static IEnumerable<string> SourceFiles(string under) =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, under), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>Every type an assembly's code refers to (its TypeRef table): what it uses, whatever it says in comments.</summary>
    private static HashSet<string> ReferencedTypes(string assemblyName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        return metadata.TypeReferences
            .Select(handle => metadata.GetTypeReference(handle))
            .Select(t => $"{metadata.GetString(t.Namespace)}.{metadata.GetString(t.Name)}")
            .ToHashSet(StringComparer.Ordinal);
    }
}
