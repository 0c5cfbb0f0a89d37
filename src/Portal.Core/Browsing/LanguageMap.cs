namespace Portal.Core.Browsing;

/// <summary>
/// A small linguist: file extensions (and a few file names) to the programming and markup languages GitHub counts in
/// its language bar, with GitHub's colours. Data, prose and configuration (JSON, YAML, Markdown, text) are not
/// languages here, as on GitHub; neither is what lies in vendored folders or minified files.
/// </summary>
public static class LanguageMap
{
    private static readonly (string Name, string Color, string[] Extensions)[] Languages =
    [
        ("C#", "#178600", [".cs", ".csx"]),
        ("Python", "#3572A5", [".py", ".pyi", ".pyw"]),
        ("Jupyter Notebook", "#DA5B0B", [".ipynb"]),
        ("JavaScript", "#f1e05a", [".js", ".mjs", ".cjs", ".jsx"]),
        ("TypeScript", "#3178c6", [".ts", ".tsx", ".mts", ".cts"]),
        ("Java", "#b07219", [".java"]),
        ("Kotlin", "#A97BFF", [".kt", ".kts"]),
        ("Scala", "#c22d40", [".scala", ".sc"]),
        ("Groovy", "#4298b8", [".groovy", ".gradle"]),
        ("Go", "#00ADD8", [".go"]),
        ("Rust", "#dea584", [".rs"]),
        ("C", "#555555", [".c", ".h"]),
        ("C++", "#f34b7d", [".cpp", ".cc", ".cxx", ".hpp", ".hh", ".hxx"]),
        ("Cuda", "#3A4E3A", [".cu", ".cuh"]),
        ("Objective-C", "#438eff", [".m", ".mm"]),
        ("Swift", "#F05138", [".swift"]),
        ("Ruby", "#701516", [".rb"]),
        ("PHP", "#4F5D95", [".php"]),
        ("Perl", "#0298c3", [".pl", ".pm"]),
        ("Lua", "#000080", [".lua"]),
        ("R", "#198CE7", [".r"]),
        ("Julia", "#a270ba", [".jl"]),
        ("Dart", "#00B4AB", [".dart"]),
        ("Haskell", "#5e5086", [".hs"]),
        ("OCaml", "#ef7a08", [".ml", ".mli"]),
        ("F#", "#b845fc", [".fs", ".fsx"]),
        ("Visual Basic .NET", "#945db7", [".vb"]),
        ("Elixir", "#6e4a7e", [".ex", ".exs"]),
        ("Erlang", "#B83998", [".erl"]),
        ("Clojure", "#db5855", [".clj", ".cljs", ".cljc"]),
        ("Zig", "#ec915c", [".zig"]),
        ("Fortran", "#4d41b1", [".f90", ".f95", ".f03"]),
        ("Shell", "#89e051", [".sh", ".bash", ".zsh"]),
        ("PowerShell", "#012456", [".ps1", ".psm1"]),
        ("HCL", "#844FBA", [".tf", ".hcl"]),
        ("Nix", "#7e7eff", [".nix"]),
        ("CMake", "#DA3434", [".cmake"]),
        ("TeX", "#3D6117", [".tex"]),
        ("HTML", "#e34c26", [".html", ".htm"]),
        ("CSS", "#663399", [".css"]),
        ("SCSS", "#c6538c", [".scss"]),
        ("Vue", "#41b883", [".vue"]),
        ("Svelte", "#ff3e00", [".svelte"]),
        ("Razor", "#512be4", [".razor", ".cshtml"]),
    ];

    private static readonly Dictionary<string, (string Name, string Color)> ByExtension =
        Languages.SelectMany(l => l.Extensions.Select(e => (e, (l.Name, l.Color)))).ToDictionary(x => x.e, x => x.Item2, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, (string Name, string Color)> ByFileName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Dockerfile"] = ("Dockerfile", "#384d54"),
        ["Containerfile"] = ("Dockerfile", "#384d54"),
        ["Makefile"] = ("Makefile", "#427819"),
        ["GNUmakefile"] = ("Makefile", "#427819"),
        ["CMakeLists.txt"] = ("CMake", "#DA3434"),
    };

    private static readonly HashSet<string> VendoredFolders = new(StringComparer.OrdinalIgnoreCase) { "node_modules", "vendor", "third_party", "3rdparty", "bower_components" };

    /// <summary>The language a path counts for, or null (not code, vendored, minified or unknown).</summary>
    public static (string Name, string Color)? Of(string path)
    {
        var segments = path.Split('/');
        if (segments.SkipLast(1).Any(VendoredFolders.Contains))
        {
            return null;
        }

        var name = segments[^1];
        if (ByFileName.TryGetValue(name, out var byName))
        {
            return byName;
        }

        if (name.Contains(".min.", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var dot = name.LastIndexOf('.');
        return dot > 0 && ByExtension.TryGetValue(name[dot..], out var language) ? language : null;
    }
}
