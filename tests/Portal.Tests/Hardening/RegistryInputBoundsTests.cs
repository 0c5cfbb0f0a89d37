using System.Net;
using Portal.Tests.Remotes;

namespace Portal.Tests.Hardening;

/// <summary>What anyone with read access may send to the registry and logged-model searches: every filter answered, briefly.</summary>
[Trait("Category", "Hardening")]
public sealed class RegistryInputBoundsTests(RemotePortalFactory portal) : IClassFixture<RemotePortalFactory>
{
    [Fact]
    public async Task HostileRegistryFilters_AreAnsweredWithMlflowErrors_NeverA500()
    {
        var (user, token, _, repository) = await portal.CreateProjectAsync();
        using var mlflow = MlflowReplay.For(portal, user, token, repository);
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "target", tags = new[] { new { key = "notes", value = new string('a', 5000) } } }));
        string[] hostile =
        [
            new string('(', 4000),
            "name = '" + new string('x', 5000) + "'",
            "name = 'unterminated",
            "tags.`" + new string('k', 3000),
            "tags.`" + new string('k', 3000) + "` > 1",
            "name \u0000 = 'a'",
            "name LIKE 5",
            "name = 'a' OR name = 'b'",
            "nope = 'x'",
            "=!<>",
            "name IN ('a',",
            "tags.notes IN 'a'",
        ];

        foreach (var endpoint in new[] { "registered-models/search", "model-versions/search" })
        {
            foreach (var filter in hostile)
            {
                var (status, body) = await mlflow.GetAsync(endpoint, new { filter });

                Assert.True(status == HttpStatusCode.BadRequest, $"{status} from {endpoint} for filter {filter[..Math.Min(40, filter.Length)]}");
                Assert.Equal("INVALID_PARAMETER_VALUE", body.GetProperty("error_code").GetString());
                Assert.InRange(body.GetProperty("message").GetString()!.Length, 10, 400);
            }
        }

        // Forty wildcards over 5,000 characters, and GLOB's own wildcards in a LIKE pattern taken literally.
        var pattern = string.Concat(Enumerable.Repeat("%a", 40));
        var miss = await mlflow.OkAsync(mlflow.GetAsync("registered-models/search", new { filter = $"tags.notes LIKE '{pattern}b'" }));
        var hit = await mlflow.OkAsync(mlflow.GetAsync("registered-models/search", new { filter = $"tags.notes LIKE '{pattern}'" }));
        var star = await mlflow.OkAsync(mlflow.GetAsync("registered-models/search", new { filter = "name LIKE 'tar*'" }));
        var percent = await mlflow.OkAsync(mlflow.GetAsync("registered-models/search", new { filter = "name LIKE 'tar%'" }));
        Assert.Equal(0, miss.GetProperty("registered_models").GetArrayLength());
        Assert.Equal(1, hit.GetProperty("registered_models").GetArrayLength());
        Assert.Equal(0, star.GetProperty("registered_models").GetArrayLength());
        Assert.Equal(1, percent.GetProperty("registered_models").GetArrayLength());
    }
}
