using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Lfs;

/// <summary>
/// Git LFS file locks of one repository (https://github.com/git-lfs/git-lfs/blob/main/docs/api/locking.md): anyone who
/// may push takes and releases their own locks; only maintainers release someone else's, and only when they force it.
/// Who may do what on the repository is the caller's decision; this keeps the locks' own rules.
/// </summary>
public sealed class LfsLockService(PortalDbContext db, TimeProvider clock)
{
    /// <summary>git-lfs asks for at most this many per page unless told otherwise.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Longer paths are refused rather than stored: no repository path is this long.</summary>
    public const int MaxPathLength = 4096;

    /// <summary>The new lock, or the lock already held on that path (<see cref="LockResult.Created"/> false).</summary>
    public async Task<Outcome<LockResult>> CreateAsync(long repositoryId, string? path, string userId, string userName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Length > MaxPathLength || path.Contains('\0', StringComparison.Ordinal))
        {
            return PortalError.Invalid($"Send {{\"path\": \"<file>\"}}: a path relative to the repository root, at most {MaxPathLength} characters.");
        }

        if (await db.LfsLocks.AsNoTracking().FirstOrDefaultAsync(l => l.RepositoryId == repositoryId && l.Path == path, cancellationToken) is { } held)
        {
            return new LockResult(held, Created: false);
        }

        var created = new LfsLock
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            RepositoryId = repositoryId,
            Path = path,
            OwnerUserId = userId,
            OwnerName = userName,
            LockedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.LfsLocks.Add(created);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Someone locked the same path between the check and the insert: theirs stands.
            db.ChangeTracker.Clear();
            var raced = await db.LfsLocks.AsNoTracking().FirstOrDefaultAsync(l => l.RepositoryId == repositoryId && l.Path == path, cancellationToken);
            return raced is null ? PortalError.Conflict("The lock could not be taken: try again.") : new LockResult(raced, Created: false);
        }

        return new LockResult(created, Created: true);
    }

    /// <summary>Locks by path or id, oldest first, a page at a time; the cursor is the id of the first lock of the next page.</summary>
    public async Task<LockPage> ListAsync(long repositoryId, string? path, string? id, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var query = db.LfsLocks.AsNoTracking().Where(l => l.RepositoryId == repositoryId);
        if (!string.IsNullOrEmpty(path))
        {
            query = query.Where(l => l.Path == path);
        }

        if (!string.IsNullOrEmpty(id))
        {
            query = query.Where(l => l.Id == id);
        }

        if (!string.IsNullOrEmpty(cursor))
        {
            query = query.Where(l => string.Compare(l.Id, cursor) >= 0);
        }

        var size = Math.Clamp(limit ?? MaxPageSize, 1, MaxPageSize);
        var locks = await query.OrderBy(l => l.Id).Take(size + 1).ToListAsync(cancellationToken);
        return locks.Count > size ? new LockPage(locks[..size], locks[size].Id) : new LockPage(locks, null);
    }

    /// <summary>
    /// Releases a lock. The holder may; anyone else only with <paramref name="force"/> and <paramref name="mayForce"/>
    /// (a maintainer), so a lock is never lost by accident.
    /// </summary>
    public async Task<Outcome<LfsLock>> UnlockAsync(long repositoryId, string id, string userId, bool force, bool mayForce, CancellationToken cancellationToken)
    {
        var held = await db.LfsLocks.FirstOrDefaultAsync(l => l.RepositoryId == repositoryId && l.Id == id, cancellationToken);
        if (held is null)
        {
            return PortalError.NotFound($"There is no lock {id} in this repository.");
        }

        if (held.OwnerUserId != userId)
        {
            if (!force)
            {
                return PortalError.Forbidden($"{held.Path} is locked by {held.OwnerName}: only they can unlock it, or a maintainer with --force.");
            }

            if (!mayForce)
            {
                return PortalError.Forbidden($"{held.Path} is locked by {held.OwnerName}: only the repository's maintainers can force it open.");
            }
        }

        db.LfsLocks.Remove(held);
        await db.SaveChangesAsync(cancellationToken);
        return held;
    }
}

public sealed record LockResult(LfsLock Lock, bool Created);

public sealed record LockPage(IReadOnlyList<LfsLock> Locks, string? NextCursor);
