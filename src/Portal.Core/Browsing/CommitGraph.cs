namespace Portal.Core.Browsing;

/// <summary>How a graph line crosses a row: lane to lane from top to bottom, from a lane into the row's commit, or from the commit down to a parent's lane.</summary>
public enum GraphEdgeKind
{
    PassThrough,
    Incoming,
    ToParent,
}

/// <summary>One line of a row of the branch graph, between lane <see cref="From"/> and lane <see cref="To"/>.</summary>
public sealed record GraphEdge(int From, int To, GraphEdgeKind Kind);

/// <summary>One commit's row of the branch graph: the lane its dot sits in, how many lanes the row spans, and its lines.</summary>
public sealed record GraphRow(int Column, int Width, IReadOnlyList<GraphEdge> Edges);

/// <summary>
/// Lays out a page of history (children before parents, as `git log --topo-order` lists it) as a branch graph, the
/// way `git log --graph` and GitLab's network view do: each lane waits for one commit; a commit takes the lane that
/// waited for it (lanes waiting for the same commit join there), hands it to its first parent and opens lanes for
/// its other parents. A page starts with no lanes: commits whose children are on the previous page start their own.
/// </summary>
public static class CommitGraph
{
    public static IReadOnlyList<GraphRow> Layout(IReadOnlyList<CommitSummary> commits)
    {
        var lanes = new List<string?>();
        var rows = new List<GraphRow>(commits.Count);
        foreach (var commit in commits)
        {
            var incoming = Enumerable.Range(0, lanes.Count).Where(i => lanes[i] == commit.Id).ToList();
            var column = incoming.Count > 0 ? incoming[0] : FreeLane(lanes);
            var passing = Enumerable.Range(0, lanes.Count).Where(i => lanes[i] is not null && lanes[i] != commit.Id).ToList();
            var moved = new Dictionary<int, int>();
            var edges = new List<GraphEdge>();
            edges.AddRange(incoming.Select(i => new GraphEdge(i, column, GraphEdgeKind.Incoming)));
            foreach (var i in incoming)
            {
                lanes[i] = null;
            }

            for (var k = 0; k < commit.ParentIds.Count; k++)
            {
                var parent = commit.ParentIds[k];
                var lane = lanes.IndexOf(parent);
                if (lane < 0)
                {
                    lane = k == 0 ? column : FreeLane(lanes);
                    Occupy(lanes, lane, parent);
                }
                else if (k == 0 && column < lane)
                {
                    // A lane further right already waits for the first parent: it moves over here, so the main line
                    // stays on the left as in `git log --graph`.
                    lanes[lane] = null;
                    Occupy(lanes, column, parent);
                    moved[lane] = column;
                    lane = column;
                }

                edges.Add(new GraphEdge(column, lane, GraphEdgeKind.ToParent));
            }

            edges.AddRange(passing.Select(i => new GraphEdge(i, moved.GetValueOrDefault(i, i), GraphEdgeKind.PassThrough)));

            while (lanes.Count > 0 && lanes[^1] is null)
            {
                lanes.RemoveAt(lanes.Count - 1);
            }

            var width = Math.Max(column + 1, edges.Count == 0 ? 0 : edges.Max(e => Math.Max(e.From, e.To)) + 1);
            rows.Add(new GraphRow(column, width, edges));
        }

        return rows;
    }

    private static int FreeLane(List<string?> lanes)
    {
        var free = lanes.IndexOf(null);
        return free >= 0 ? free : lanes.Count;
    }

    private static void Occupy(List<string?> lanes, int lane, string commit)
    {
        while (lanes.Count <= lane)
        {
            lanes.Add(null);
        }

        lanes[lane] = commit;
    }
}
