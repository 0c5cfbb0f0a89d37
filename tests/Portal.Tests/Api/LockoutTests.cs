using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Api;

public sealed class LockoutTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task FiveWrongPasswords_LockTheAccount_EvenForTheRightPassword()
    {
        var (user, password) = await portal.CreateUserAsync();
        using var wrong = portal.BasicClient(user, "guess-guess-1");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/user")).StatusCode);
        }

        using var right = portal.BasicClient(user, password);
        var response = await right.GetAsync("/api/v1/user");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "locked");
    }

    [Fact]
    public async Task FewerThanFiveWrongPasswords_DoNotLock()
    {
        var (user, password) = await portal.CreateUserAsync();
        using var wrong = portal.BasicClient(user, "guess-guess-1");
        for (var attempt = 0; attempt < 4; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/user")).StatusCode);
        }

        using var right = portal.BasicClient(user, password);
        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("/api/v1/user")).StatusCode);
    }
}
