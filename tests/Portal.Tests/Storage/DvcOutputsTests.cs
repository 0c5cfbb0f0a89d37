using Portal.Core.Storage;

namespace Portal.Tests.Storage;

/// <summary>
/// The outputs the Files tab shows, read from .dvc files and dvc.lock as DVC 2 and 3 write them (dvc add, dvc repro,
/// foreach stages, params, multi-line commands, comments, quoting), and refused when the YAML is not what DVC writes.
/// </summary>
public sealed class DvcOutputsTests
{
    private const string A = "0123456789abcdef0123456789abcdef";
    private const string B = "fedcba9876543210fedcba9876543210";

    public static TheoryData<string, string, string[]> Files => new()
    {
        {
            "data/raw.csv.dvc",
            $"""
            outs:
            - md5: {A}
              size: 14445097
              hash: md5
              path: raw.csv
            """,
            [$"data/raw.csv {A} file 14445097 data/raw.csv.dvc"]
        },
        {
            // DVC 2: the file's own md5 at the top, no hash field, a directory output.
            "images.dvc",
            $"""
            md5: 8c0be3a6b7b67f4b8e2a4b3f0c1d2e3f
            outs:
            - md5: {B}.dir
              size: 37891850
              nfiles: 800
              path: images
              cache: true
            """,
            [$"images {B} dir 37891850 images.dvc"]
        },
        {
            "dvc.lock",
            $"""
            schema: '2.0'
            stages:
              prepare:
                cmd: python src/prepare.py data/data.xml   # comment
                deps:
                - path: data/data.xml
                  hash: md5
                  md5: {B}
                  size: 1
                params:
                  params.yaml:
                    prepare.seed: 20170428
                    prepare.split: [0.2, 0.8]
                outs:
                - path: data/prepared
                  hash: md5
                  md5: {A}.dir
                  size: 8437363
                  nfiles: 2
              train@1:
                cmd:
                - python train.py --fold 1
                - "echo 'done: #1'"
                outs:
                  - path: "models/model 1.pkl"
                    hash: md5
                    md5: '{B}'
                    size: 42
              evaluate:
                cmd: |
                  python evaluate.py
                  echo outs:
                outs:
                - path: ../outside.json
                  md5: {A}
            """,
            [$"data/prepared {A} dir 8437363 dvc.lock, stage prepare", $"models/model 1.pkl {B} file 42 dvc.lock, stage train@1"]
        },
        {
            // dvc.lock 1.0: stages at the top; paths relative to the lock file's folder.
            "pipelines/dvc.lock",
            $"""
            featurize:
              cmd: python featurize.py
              outs:
              - path: ../data/features
                md5: {A}.dir
            """,
            [$"data/features {A} dir ? pipelines/dvc.lock, stage featurize"]
        },
        {
            // Cloud-versioned outputs have no md5: nothing to find in storage.
            "remote.dvc",
            """
            outs:
            - path: remote-data
              files:
              - relpath: a.csv
                version_id: abc
            """,
            []
        },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Read_FindsEachOutput_WithItsRepositoryPath(string path, string text, string[] expected)
    {
        var outputs = DvcOutputs.Read(path, text);

        Assert.Equal(expected, outputs.Select(o => $"{o.Path} {o.Md5} {(o.IsDirectory ? "dir" : "file")} {o.Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} {o.Source}"));
    }

    [Theory]
    [InlineData("outs:\n\t- md5: x")]
    [InlineData("outs:\n- md5: a\n  md5: b\n  path: x")]
    [InlineData("outs:\n- md5: a\n    path: x\n  size: 1")]
    [InlineData("- just\n- a list")]
    public void Read_RefusesWhatDvcDoesNotWrite(string text)
    {
        Assert.Throws<FormatException>(() => DvcOutputs.Read("x.dvc", text));
    }

    [Fact]
    public void Read_NeverExpandsAliases()
    {
        var text = $"""
            a: &a [x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a]
            outs:
            - md5: {A}
              path: *b
            """;

        var output = Assert.Single(DvcOutputs.Read("bomb.dvc", text));

        Assert.Equal("*b", output.Path);
    }

    [Fact]
    public void Read_RefusesAFileLargerThanTheCap()
    {
        var text = "outs:\n" + string.Concat(Enumerable.Repeat($"- md5: {A}\n  path: x\n", DvcYaml.MaxBytes / 20));

        Assert.Throws<FormatException>(() => DvcOutputs.Read("big.dvc", text));
    }
}
