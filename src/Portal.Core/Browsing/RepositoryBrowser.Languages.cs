using System.Globalization;
using Portal.Git;

namespace Portal.Core.Browsing;

public sealed partial class RepositoryBrowser
{
    /// <summary>The recursive listing read for the language bar: about 60,000 files; beyond, the bar covers those read.</summary>
    private const int MaxLanguageListingBytes = 8 * 1024 * 1024;

    /// <summary>Languages shown by name; the rest are summed as "Other".</summary>
    private const int MaxNamedLanguages = 8;

    /// <summary>
    /// The languages of a commit's tree by bytes, as GitHub's bar shows them (<see cref="LanguageMap"/>): one
    /// `git ls-tree -r -l`, capped, and cached by commit.
    /// </summary>
    public Task<LanguageBreakdown> LanguagesAsync(long repositoryId, string commit, CancellationToken cancellationToken) =>
        cache.GetOrAddAsync("languages", repositoryId, commit, "", async () =>
        {
            var output = await ReadAsync(repositoryId, GitCommand.Create("ls-tree").Option("-r").Option("-l").Option("-z").EndOfOptions().Value(commit), MaxLanguageListingBytes, cancellationToken);
            var bytes = new Dictionary<(string Name, string Color), long>();
            foreach (var record in Complete(output, '\0').Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                // "<mode> SP blob SP <object> SP+ <size> TAB <path>"
                var tab = record.IndexOf('\t');
                var meta = tab < 0 ? [] : record[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (meta is [_, "blob", _, var size] && long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var length) && LanguageMap.Of(record[(tab + 1)..]) is { } language)
                {
                    bytes[language] = bytes.GetValueOrDefault(language) + length;
                }
            }

            var total = bytes.Values.Sum();
            var ranked = bytes.OrderByDescending(b => b.Value).ThenBy(b => b.Key.Name, StringComparer.Ordinal).ToList();
            var shares = ranked.Take(MaxNamedLanguages).Select(b => new LanguageShare(b.Key.Name, b.Key.Color, b.Value, 100.0 * b.Value / total)).ToList();
            var rest = ranked.Skip(MaxNamedLanguages).Sum(b => b.Value);
            if (rest > 0)
            {
                shares.Add(new LanguageShare("Other", "#ededed", rest, 100.0 * rest / total));
            }

            return new LanguageBreakdown(shares, output.Truncated);
        }, breakdown => breakdown.Languages.Count > 0);
}
