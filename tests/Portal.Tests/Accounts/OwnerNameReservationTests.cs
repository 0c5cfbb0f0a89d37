using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core;
using Portal.Core.Accounts;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Accounts;

/// <summary>The one place users and organizations take a name in their shared namespace, on a real SQLite database.</summary>
public sealed class OwnerNameReservationTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Reserve_GivesAnUnsavedOwner_WithTheNameAsTypedItsSlugAndTheClocksTime()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var name = PortalFactory.UniqueName("Data-Team");

        var reserved = await scope.ServiceProvider.GetRequiredService<OwnerNameReservation>().ReserveAsync(name, OwnerKind.Organization);

        var owner = reserved.Value!;
        Assert.Equal((name, name.ToLowerInvariant(), OwnerKind.Organization, 0L), (owner.Name, owner.Slug, owner.Kind, owner.Id));
        Assert.Equal(portal.Clock.GetUtcNow().UtcDateTime, owner.CreatedAt);
        Assert.False(await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Owners.AnyAsync(o => o.Slug == owner.Slug));
    }

    [Theory]
    [InlineData("api", "reserved")]
    [InlineData("bad name", "letters")]
    [InlineData(" padded", "letters")]
    [InlineData("", "Enter a name")]
    public async Task Reserve_ANameThePolicyRefuses_IsInvalid(string name, string reason)
    {
        await using var scope = portal.Services.CreateAsyncScope();

        var reserved = await scope.ServiceProvider.GetRequiredService<OwnerNameReservation>().ReserveAsync(name, OwnerKind.User);

        Assert.Equal(PortalErrorKind.Invalid, reserved.Error?.Kind);
        Assert.Contains(reason, reserved.Error!.Message);
    }

    [Fact]
    public async Task Reserve_ANameTakenByTheOtherKind_InAnyCase_IsAConflict()
    {
        var (user, _) = await portal.CreateUserAsync("taken");
        await using var scope = portal.Services.CreateAsyncScope();

        var reserved = await scope.ServiceProvider.GetRequiredService<OwnerNameReservation>().ReserveAsync(user.ToUpperInvariant(), OwnerKind.Organization);

        Assert.Equal(PortalErrorKind.Conflict, reserved.Error?.Kind);
        Assert.Equal($"The name '{user}' is already taken by a user or an organization.", reserved.Error!.Message);
    }

    [Fact]
    public async Task Save_AfterAnotherRequestTookTheName_IsAConflict_AndSavesNothing()
    {
        var name = PortalFactory.UniqueName("race");
        await using var first = portal.Services.CreateAsyncScope();
        await using var second = portal.Services.CreateAsyncScope();
        var firstNames = first.ServiceProvider.GetRequiredService<OwnerNameReservation>();
        var secondNames = second.ServiceProvider.GetRequiredService<OwnerNameReservation>();
        var firstOwner = (await firstNames.ReserveAsync(name, OwnerKind.User)).Value!;
        var secondOwner = (await secondNames.ReserveAsync(name.ToUpperInvariant(), OwnerKind.Organization)).Value!;
        first.ServiceProvider.GetRequiredService<PortalDbContext>().Owners.Add(firstOwner);
        var secondDb = second.ServiceProvider.GetRequiredService<PortalDbContext>();
        secondDb.Owners.Add(secondOwner);

        var firstSaved = await firstNames.SaveAsync(firstOwner);
        var secondSaved = await secondNames.SaveAsync(secondOwner);

        Assert.Null(firstSaved);
        Assert.Equal(PortalErrorKind.Conflict, secondSaved?.Kind);
        Assert.Empty(secondDb.ChangeTracker.Entries());
        Assert.Equal(OwnerKind.User, (await secondDb.Owners.SingleAsync(o => o.Slug == name)).Kind);
    }
}
