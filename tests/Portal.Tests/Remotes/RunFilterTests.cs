using System.Text;
using Portal.Core;
using Portal.Core.Experiments;

namespace Portal.Tests.Remotes;

/// <summary>MLflow's run search filter, parsed and matched against a run built in memory.</summary>
public sealed class RunFilterTests
{
    private static readonly TrackingRun Run = new()
    {
        Id = "0123456789abcdef0123456789abcdef",
        RunName = "Resnet sweep",
        Status = "FINISHED",
        UserId = "ana",
        StartTime = 1_700_000_000_000,
        EndTime = 1_700_000_100_000,
        LatestMetrics = [new() { RunId = "r", Key = "loss", Value = 0.25 }, new() { RunId = "r", Key = "f1 score", Value = 0.9 }],
        Params = [new() { RunId = "r", Key = "lr", Value = "0.01" }, new() { RunId = "r", Key = "optimizer", Value = "AdamW" }],
        Tags = [new() { RunId = "r", Key = "mlflow.source.type", Value = "LOCAL" }, new() { RunId = "r", Key = "note", Value = "salt and pepper" }, new() { RunId = "r", Key = "q", Value = "it's" }],
    };

    [Theory]
    [InlineData("", true)]
    [InlineData("metrics.loss < 0.5", true)]
    [InlineData("metrics.loss >= 0.25 AND metrics.loss <= 0.25", true)]
    [InlineData("metrics.loss != 0.25", false)]
    [InlineData("metrics.`f1 score` > 0.8", true)]
    [InlineData("metrics.\"f1 score\" > 0.95", false)]
    [InlineData("metrics.missing < 1", false)]
    [InlineData("params.lr = '0.01'", true)]
    [InlineData("params.lr = \"0.01\"", true)]
    [InlineData("param.lr != '0.01'", false)]
    [InlineData("params.optimizer LIKE 'Adam%'", true)]
    [InlineData("params.optimizer like 'adam%'", false)]
    [InlineData("params.optimizer ILIKE 'adam_'", true)]
    [InlineData("params.optimizer LIKE '%W'", true)]
    [InlineData("params.optimizer LIKE '%%d%%'", true)]
    [InlineData("params.optimizer LIKE 'A_a_W'", true)]
    [InlineData("params.optimizer LIKE 'A_W'", false)]
    [InlineData("tags.mlflow.source.type = 'LOCAL'", true)]
    [InlineData("tags.note = 'salt and pepper'", true)]
    [InlineData("tags.note = 'salt AND pepper' and params.lr = '0.01'", false)]
    [InlineData("tags.q = 'it''s'", true)]
    [InlineData("attributes.status = 'FINISHED'", true)]
    [InlineData("attribute.run_name ILIKE '%SWEEP'", true)]
    [InlineData("attributes.run_id IN ('x', '0123456789abcdef0123456789abcdef')", true)]
    [InlineData("attributes.run_id NOT IN ('0123456789abcdef0123456789abcdef')", false)]
    [InlineData("attributes.start_time > 1600000000000", true)]
    [InlineData("attributes.end_time < 1700000000000", false)]
    [InlineData("run.user_id = 'ana'", true)]
    public void Filter_MatchesAsMlflowDoes(string filter, bool matches)
    {
        var parsed = RunFilter.Parse(filter);

        Assert.True(parsed.Succeeded, parsed.Error?.Message);
        Assert.Equal(matches, parsed.Value!.Matches(Run));
    }

    [Theory]
    [InlineData("metrics.loss < 'low'", "number")]
    [InlineData("metrics.loss LIKE '0%'", "number")]
    [InlineData("params.lr = 0.01", "quoted")]
    [InlineData("params.lr < '0.1'", "=, !=, LIKE, ILIKE")]
    [InlineData("losses.x = '1'", "metrics, params, tags, attributes or datasets")]
    [InlineData("datasets.size = '1'", "name, digest, context")]
    [InlineData("datasets.name < 'a'", "=, !=, LIKE, ILIKE")]
    [InlineData("attributes.color = 'red'", "attributes")]
    [InlineData("params.lr = '0.01' OR params.lr = '0.1'", "AND")]
    [InlineData("(params.lr = '0.01')", "(")]
    [InlineData("params.lr = '0.01", "never closed")]
    [InlineData("params.lr = '0.01' and", "end")]
    [InlineData("params.lr", "end")]
    [InlineData("params.lr = '1' \u0000", "U+0000")]
    public void BadFilters_AreRefused_WithWhatToDo(string filter, string hint)
    {
        var parsed = RunFilter.Parse(filter);

        Assert.False(parsed.Succeeded);
        Assert.Equal(PortalErrorKind.Invalid, parsed.Error!.Kind);
        Assert.Contains(hint, parsed.Error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void FilterLongerThan4KB_IsRefused_EvenIfValid()
    {
        var filter = "params.lr = '" + new string('1', 4096) + "'";

        var parsed = RunFilter.Parse(filter);

        Assert.False(parsed.Succeeded);
        Assert.Contains("4,096", parsed.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LikeWithManyWildcards_AgainstALongValue_AnswersCorrectly()
    {
        // A backtracking regex needs about n^k steps for k wildcards over n characters; this one must not.
        var run = new TrackingRun { Id = "r", Params = [new() { RunId = "r", Key = "p", Value = new string('a', 6000) }] };
        var pattern = string.Concat(Enumerable.Repeat("%a", 40));

        var noMatch = RunFilter.Parse($"params.p LIKE '{pattern}b'");
        var match = RunFilter.Parse($"params.p LIKE '{pattern}%'");

        Assert.False(noMatch.Value!.Matches(run));
        Assert.True(match.Value!.Matches(run));
    }

    /// <summary>
    /// Thousands of generated hostile filters: deep nesting, unbalanced quotes, huge identifiers, NUL and other
    /// control characters, lone surrogates, every operator and keyword in random order. Each is either refused with
    /// a short message or matched against a run with long values; none may throw.
    /// </summary>
    [Fact]
    [Trait("Category", "Hardening")]
    public void HostileFilters_NeverThrow_AndAreRefusedWithAShortMessage()
    {
        var longRun = new TrackingRun
        {
            Id = "r",
            RunName = new string('a', 250),
            LatestMetrics = [new() { RunId = "r", Key = "m", Value = double.NaN }],
            Params = [new() { RunId = "r", Key = "p", Value = new string('a', 6000) }],
            Tags = [new() { RunId = "r", Key = "t", Value = string.Concat(Enumerable.Repeat("a%_\u00e9\ud83d\ude00", 1600)) }],
        };
        foreach (var filter in HostileFilters())
        {
            var parsed = RunFilter.Parse(filter);
            if (parsed.Succeeded)
            {
                parsed.Value!.Matches(longRun);
                parsed.Value.Matches(Run);
            }
            else
            {
                Assert.Equal(PortalErrorKind.Invalid, parsed.Error!.Kind);
                Assert.InRange(parsed.Error.Message.Length, 10, 400);
            }
        }
    }

    private static IEnumerable<string> HostileFilters()
    {
        string[] vocabulary =
        [
            "metrics.m", "params.p", "tags.t", "attributes.run_name", "attributes.start_time", "attr.status", "datasets.d", "x.",
            "metrics.`m", "params.\"p", "`", "\"", "'", "''", "'%a%'", "'_'", "\"%\"", "(", ")", ",", "((", "))",
            "=", "!=", "<", "<=", ">", ">=", "==", "<>", "!", "LIKE", "ILIKE", "IN", "NOT", "NOT IN", "AND", "and", "OR", "IS", "NULL",
            "0", "-1", "1e400", "-1e-400", "NaN", "Infinity", "0x10", "1.2.3", "+", "-", ".", "..", "1e", "e5",
            "\u0000", "\u0001", "\t", "\n", "\r\n", "\u200f", "\ufeff", "\ud800", "\udfff", "\ud83d\ude00", "é", "日本", "%", "_", "\\", ";", "--", "/*",
        ];
        var random = new Random(20261122);
        for (var i = 0; i < 3000; i++)
        {
            var builder = new StringBuilder();
            var count = random.Next(1, 12);
            for (var j = 0; j < count; j++)
            {
                builder.Append(vocabulary[random.Next(vocabulary.Length)]);
                if (random.Next(3) > 0)
                {
                    builder.Append(' ');
                }
            }

            yield return builder.ToString();
        }

        for (var i = 0; i < 200; i++)
        {
            yield return new string([.. Enumerable.Range(0, random.Next(1, 200)).Select(_ => (char)random.Next(0, 0x10000))]);
        }

        foreach (var depth in new[] { 1, 100, 2000, 100_000 })
        {
            yield return new string('(', depth) + "params.p = 'a'" + new string(')', depth);
            yield return new string('(', depth);
            yield return "attributes.run_id IN (" + string.Join(',', Enumerable.Repeat("'a'", depth)) + ")";
            yield return string.Join(" AND ", Enumerable.Repeat("params.p LIKE '%a%a%a%a%a%a%a%a%a%a%a%a%a%a%b'", depth));
        }

        yield return "metrics." + new string('k', 5000) + " < 1";
        yield return "params.p = '" + new string('\'', 4001);
        yield return "params.p LIKE '" + string.Concat(Enumerable.Repeat("%a", 1000)) + "b'";
        yield return "params.p LIKE '" + string.Concat(Enumerable.Repeat("%_", 1000)) + "'";
        yield return "tags.t ILIKE '" + string.Concat(Enumerable.Repeat("%\u00c9", 600)) + "%'";
        yield return "params.p = '" + new string('\u0000', 3000) + "'";
        yield return string.Concat(Enumerable.Repeat("metrics.m = 1 AND ", 300)) + "metrics.m = 1";
    }
}
