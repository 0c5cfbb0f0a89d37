using System.Globalization;
using System.Text;

namespace Portal.Bench;

/// <summary>Seconds (or other units) from repeated runs: median, minimum, maximum.</summary>
public sealed record Samples(IReadOnlyList<double> Values)
{
    public double Median => Percentile(50);

    public double Min => Values.Min();

    public double Max => Values.Max();

    public double Percentile(double p)
    {
        var sorted = Values.Order().ToList();
        var rank = p / 100 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }

    public string Format(string unit = "s") => string.Create(CultureInfo.InvariantCulture, $"{Median:0.###} {unit} [{Min:0.###}–{Max:0.###}]");
}

public sealed record Row(string Figure, string Portal, string Baseline, string Ratio, string Target, string Verdict);

/// <summary>Prints the results table and writes bench/results/latest.md.</summary>
public sealed class Report
{
    private readonly List<Row> rows = [];
    private readonly List<string> notes = [];

    public void Ratio(string figure, Samples portal, Samples baseline, string target, Func<double, bool> meets, bool higherIsBetter = false)
    {
        var ratio = higherIsBetter ? baseline.Median / portal.Median : portal.Median / baseline.Median;
        rows.Add(new Row(figure, portal.Format(), baseline.Format(), ratio.ToString("0.00x", CultureInfo.InvariantCulture), target, meets(ratio) ? "met" : "MISSED"));
        Console.WriteLine($"{figure}: Portal {portal.Format()} | baseline {baseline.Format()} | {ratio:0.00}x (target {target})");
    }

    public void Value(string figure, string portal, string baseline = "", string target = "", string verdict = "")
    {
        rows.Add(new Row(figure, portal, baseline, "", target, verdict));
        Console.WriteLine($"{figure}: {portal} {baseline}");
    }

    public void Note(string note) => notes.Add(note);

    public string Write(string path, string header)
    {
        var markdown = new StringBuilder();
        markdown.AppendLine("# Portal benchmark").AppendLine().AppendLine(header).AppendLine();
        markdown.AppendLine("| figure | Portal (median [min–max]) | baseline | ratio | target | |");
        markdown.AppendLine("|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            markdown.AppendLine($"| {row.Figure} | {row.Portal} | {row.Baseline} | {row.Ratio} | {row.Target} | {row.Verdict} |");
        }

        if (notes.Count > 0)
        {
            markdown.AppendLine().AppendLine("## Notes").AppendLine();
            foreach (var note in notes)
            {
                markdown.AppendLine($"- {note}");
            }
        }

        // Every missed target needs its measured reason: the list is written here, the reasons by whoever publishes.
        var missed = rows.Where(row => row.Verdict == "MISSED").ToList();
        markdown.AppendLine().AppendLine("## Analysis of this run").AppendLine();
        markdown.AppendLine(missed.Count == 0 ? "Every target was met." : "Missed targets, each with its measured reason:");
        if (missed.Count > 0)
        {
            markdown.AppendLine();
        }

        foreach (var row in missed)
        {
            markdown.AppendLine($"- **{row.Figure}** ({row.Ratio}{(row.Ratio.Length > 0 ? ", " : "")}target {row.Target}): reason to be measured.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, markdown.ToString());
        return markdown.ToString();
    }
}
