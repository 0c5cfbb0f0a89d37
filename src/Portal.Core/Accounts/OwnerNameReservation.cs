using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Accounts;

/// <summary>
/// Users and organizations share one namespace of names (one <see cref="Owner"/> row per name). Both take their name
/// here: the same policy, the same check against names already taken, and the same answer when the unique index on
/// <see cref="Owner.Slug"/> settles a race between two requests for one name.
/// </summary>
public sealed class OwnerNameReservation(PortalDbContext db, TimeProvider clock)
{
    /// <summary>A new, unsaved owner entry for <paramref name="name"/> (trimmed), or why the name cannot be had.</summary>
    public async Task<Outcome<Owner>> ReserveAsync(string name, OwnerKind kind, CancellationToken cancellationToken = default)
    {
        var check = OwnerNamePolicy.Check(name);
        if (!check.IsValid)
        {
            return PortalError.Invalid(check.Error!);
        }

        name = name.Trim();
        var slug = OwnerNamePolicy.Normalize(name);
        if (await db.Owners.AnyAsync(o => o.Slug == slug, cancellationToken))
        {
            return Taken(slug);
        }

        return new Owner { Name = name, Slug = slug, Kind = kind, CreatedAt = clock.GetUtcNow().UtcDateTime };
    }

    /// <summary>
    /// Saves the caller's pending changes, which hold the reserved <paramref name="owner"/>. If another request took the
    /// name since <see cref="ReserveAsync"/>, the unique index refuses it: nothing is saved and the name is reported taken.
    /// </summary>
    public async Task<PortalError?> SaveAsync(Owner owner, CancellationToken cancellationToken = default)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return Taken(owner.Slug);
        }
    }

    private static PortalError Taken(string slug) => PortalError.Conflict($"The name '{slug}' is already taken by a user or an organization.");
}
