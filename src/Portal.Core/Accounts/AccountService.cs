using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Hosting;

namespace Portal.Core.Accounts;

/// <summary>Creates users together with their entry in the shared owner namespace, and names the first admin.</summary>
public sealed class AccountService(
    PortalDbContext db,
    UserManager<PortalUser> users,
    OwnerNameReservation names,
    IOptions<PortalOptions> options,
    ILogger<AccountService> logger)
{
    public async Task<Outcome<PortalUser>> RegisterAsync(string userName, string email, string password, CancellationToken cancellationToken = default)
    {
        var reserved = await names.ReserveAsync(userName, OwnerKind.User, cancellationToken);
        if (!reserved.Succeeded)
        {
            return reserved.Error!;
        }

        var owner = reserved.Value!;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Owners.Add(owner);
        if (await names.SaveAsync(owner, cancellationToken) is { } taken)
        {
            // Lost a race with another registration of the same name: the unique index decided.
            return taken;
        }

        // The first account becomes admin unless an admin is configured explicitly.
        var makeAdmin = string.IsNullOrEmpty(options.Value.Admin.UserName) && !await db.Users.AnyAsync(cancellationToken);
        var user = new PortalUser { UserName = owner.Name, Email = email.Trim(), OwnerId = owner.Id, IsAdmin = makeAdmin, CreatedAt = owner.CreatedAt };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return PortalError.Invalid(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Registered user {UserName} (admin: {IsAdmin})", user.UserName, user.IsAdmin);
        return user;
    }

    /// <summary>Creates the admin named by <c>Portal:Admin</c> on start-up if it does not exist yet.</summary>
    public async Task EnsureConfiguredAdminAsync(CancellationToken cancellationToken = default)
    {
        var admin = options.Value.Admin;
        if (string.IsNullOrEmpty(admin.UserName) || string.IsNullOrEmpty(admin.Password))
        {
            return;
        }

        var existing = await users.FindByNameAsync(admin.UserName);
        if (existing is not null)
        {
            if (!existing.IsAdmin)
            {
                existing.IsAdmin = true;
                await users.UpdateAsync(existing);
            }

            return;
        }

        var created = await RegisterAsync(admin.UserName, $"{OwnerNamePolicy.Normalize(admin.UserName)}@localhost", admin.Password, cancellationToken);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException($"Portal:Admin could not be created: {created.Error!.Message}");
        }

        created.Value!.IsAdmin = true;
        await users.UpdateAsync(created.Value);
        logger.LogInformation("Created the configured admin {UserName}", admin.UserName);
    }
}
