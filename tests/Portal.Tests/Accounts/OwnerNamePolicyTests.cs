using Portal.Core.Accounts;
using Portal.Core.Repositories;

namespace Portal.Tests.Accounts;

public sealed class OwnerNamePolicyTests
{
    [Theory]
    [InlineData("alice")]
    [InlineData("Alice")]
    [InlineData("a")]
    [InlineData("0day")]
    [InlineData("data-team_2.0")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghi")] // 39 characters
    public void Accepts(string name) => Assert.True(OwnerNamePolicy.Check(name).IsValid, OwnerNamePolicy.Check(name).Error);

    [Theory]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghij")] // 40 characters
    [InlineData("-dash")]
    [InlineData("_under")]
    [InlineData(".dot")]
    [InlineData("has space")]
    [InlineData("sl/ash")]
    [InlineData("café")]
    [InlineData("\u0430lice")] // Cyrillic a
    [InlineData("api")]
    [InlineData("API")]
    [InlineData("_framework")]
    [InlineData("repo.git")]
    [InlineData("x.dvc")]
    [InlineData("x.mlflow")]
    [InlineData("a..b")]
    [InlineData("nul")]
    [InlineData(" ")]
    [InlineData(null)]
    public void Refuses(string? name) => Assert.False(OwnerNamePolicy.Check(name).IsValid);

    [Fact]
    public void Normalize_FoldsCase() => Assert.Equal("data-team", OwnerNamePolicy.Normalize("Data-Team"));

    [Theory]
    [InlineData("project", true)]
    [InlineData("Project.Name_2", true)]
    [InlineData("project.git", false)]
    [InlineData("../etc", false)]
    [InlineData("a/b", false)]
    [InlineData("-rf", false)]
    public void RepositoryNames(string name, bool valid) => Assert.Equal(valid, RepositoryNamePolicy.Check(name).IsValid);

    [Fact]
    public void RepositoryNames_AllowUpTo100Characters()
    {
        Assert.True(RepositoryNamePolicy.Check(new string('a', 100)).IsValid);
        Assert.False(RepositoryNamePolicy.Check(new string('a', 101)).IsValid);
    }
}
