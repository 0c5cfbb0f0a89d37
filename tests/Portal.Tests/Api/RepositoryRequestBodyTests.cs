using System.Net;
using System.Text.Json;
using Portal.Core.Repositories;
using Portal.Tests.Infrastructure;
using Portal.Web.Api;

namespace Portal.Tests.Api;

/// <summary>The API parses mode and visibility from their JSON text at its boundary, into the enums Core takes.</summary>
public sealed class RepositoryRequestBodyTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static CreateRepositoryBody Create(string? mode, string? visibility = null) =>
        new("https://host.example/org/repo.git", mode, "me", "repo", visibility, null, null, null, null);

    [Theory]
    [InlineData("mirror", RepositoryMode.Mirror)]
    [InlineData(" Mirror ", RepositoryMode.Mirror)]
    [InlineData("migrate", RepositoryMode.Migrated)]
    [InlineData("MIGRATED", RepositoryMode.Migrated)]
    [InlineData("hosted", RepositoryMode.Hosted)]
    public void Create_AcceptsTheModeWords_InAnyCase(string mode, RepositoryMode expected) =>
        Assert.Equal(expected, Create(mode).ToRequest().Value!.Mode);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("teleport")]
    [InlineData("1")]
    public void Create_RefusesAnyOtherMode_ListingTheChoices(string? mode) =>
        Assert.Equal(
            "Choose a mode: \"mirror\" (keep a read-only copy in sync), \"migrate\" (copy once, then host here) or \"hosted\" (a new empty repository).",
            Create(mode).ToRequest().Error?.Message);

    [Theory]
    [InlineData(null, null)]
    [InlineData("public", RepositoryVisibility.Public)]
    [InlineData(" Internal", RepositoryVisibility.Internal)]
    [InlineData("PRIVATE", RepositoryVisibility.Private)]
    public void Visibility_IsOptional_AndCaseInsensitive(string? visibility, RepositoryVisibility? expected)
    {
        Assert.Equal(expected, Create("hosted", visibility).ToRequest().Value!.Visibility);
        Assert.Equal(expected, new UpdateRepositoryBody(null, visibility, null, null, null).ToRequest().Value!.Visibility);
    }

    [Theory]
    [InlineData("")]
    [InlineData("secret")]
    [InlineData("Public!")]
    public void Visibility_OtherWords_AreRefused(string visibility)
    {
        Assert.Equal("Visibility must be \"public\", \"internal\" or \"private\".", Create("hosted", visibility).ToRequest().Error?.Message);
        Assert.Equal("Visibility must be \"public\", \"internal\" or \"private\".", new UpdateRepositoryBody(null, visibility, null, null, null).ToRequest().Error?.Message);
    }

    [Fact]
    public void Create_PassesEveryOtherFieldOnUnchanged()
    {
        var auth = new UpstreamAuthRequest("bot", "tok", null);
        var body = new CreateRepositoryBody("https://h.example/r.git", "mirror", "me", "r", "public", "d", auth, 6, false, "https://lfs.example/r", "keys");

        Assert.Equal(
            new CreateRepositoryRequest(RepositoryMode.Mirror, "me", "r", CloneUrl: "https://h.example/r.git", Visibility: RepositoryVisibility.Public, Description: "d", Auth: auth, IntervalHours: 6, Lfs: false, LfsUrl: "https://lfs.example/r", HostKeys: "keys"),
            body.ToRequest().Value);
    }

    [Fact]
    public async Task OverTheApi_VisibilityIsParsed_AndABadOneChangesNothing()
    {
        var (user, password) = await portal.CreateUserAsync("visible");
        using var api = portal.BearerClient(await portal.CreateTokenAsync(user, password));

        var created = await api.PostAsJsonAsync("/api/v1/repos", new { mode = "HOSTED", owner = user, name = "app", visibility = " Public " });
        var refusedCreate = await api.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner = user, name = "other", visibility = "everyone" });
        var refusedEdit = await api.PatchAsJsonAsync($"/api/v1/repos/{user}/app", new { visibility = "secret", description = "changed" });
        var edited = await api.PatchAsJsonAsync($"/api/v1/repos/{user}/app", new { visibility = "internal" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("public", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("visibility").GetString());
        await ProblemAssert.IsProblemAsync(refusedCreate, HttpStatusCode.BadRequest, "Visibility must be");
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/repos/{user}/other")).StatusCode);
        await ProblemAssert.IsProblemAsync(refusedEdit, HttpStatusCode.BadRequest, "Visibility must be");
        var after = await edited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("internal", ""), (after.GetProperty("visibility").GetString(), after.GetProperty("description").GetString()));
    }

    [Fact]
    public async Task OverTheApi_SomeoneWhoMayNotEdit_IsToldSo_BeforeTheirVisibilityIsParsed()
    {
        var (owner, ownerPassword) = await portal.CreateUserAsync("owner");
        var (reader, readerPassword) = await portal.CreateUserAsync("reader");
        using var ownerApi = portal.BearerClient(await portal.CreateTokenAsync(owner, ownerPassword));
        using var readerApi = portal.BearerClient(await portal.CreateTokenAsync(reader, readerPassword));
        Assert.Equal(HttpStatusCode.Created, (await ownerApi.PostAsJsonAsync("/api/v1/repos", new { mode = "hosted", owner, name = "shown", visibility = "public" })).StatusCode);

        var refused = await readerApi.PatchAsJsonAsync($"/api/v1/repos/{owner}/shown", new { visibility = "secret" });

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "can change its settings");
    }
}
