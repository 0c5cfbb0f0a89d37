using System.Collections.Concurrent;
using System.Net;
using Portal.Outbound;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// DNS the test scripts: successive lookups of a name get successive answers (the last one repeats), so a name can
/// "rebind" to another address on its second lookup. Names without a script do not resolve. Counts lookups.
/// </summary>
public sealed class ScriptedResolver : IHostResolver
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<IPAddress[]>> scripts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> lookups = new(StringComparer.OrdinalIgnoreCase);

    public void Answer(string host, params string[][] answers) =>
        scripts[host] = new ConcurrentQueue<IPAddress[]>(answers.Select(a => a.Select(IPAddress.Parse).ToArray()));

    public int Lookups(string host) => lookups.TryGetValue(host, out var count) ? count : 0;

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        lookups.AddOrUpdate(host, 1, (_, count) => count + 1);
        if (!scripts.TryGetValue(host, out var answers))
        {
            return Task.FromResult<IPAddress[]>([]);
        }

        lock (answers)
        {
            return Task.FromResult(answers.Count > 1 && answers.TryDequeue(out var next) ? next : answers.TryPeek(out var last) ? last : []);
        }
    }
}
