using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Repositories;

namespace Portal.Core.ExternalRemotes;

/// <summary>
/// Remotes a project keeps elsewhere, attached by its maintainers. Who may add or remove is checked here, when the
/// change is made: a page opened before the actor lost their role must not still be able to.
/// </summary>
public sealed class ExternalRemoteService(PortalDbContext db, RepositoryAccess access)
{
    public async Task<IReadOnlyList<ExternalRemote>> ListAsync(long repositoryId, CancellationToken cancellationToken = default) =>
        await db.ExternalRemotes.AsNoTracking().Where(r => r.RepositoryId == repositoryId).OrderBy(r => r.Kind).ThenBy(r => r.Name).ToListAsync(cancellationToken);

    public async Task<Outcome<ExternalRemote>> AddAsync(string actorUserId, long repositoryId, string? name, ExternalRemoteKind kind, string? url, string? note, CancellationToken cancellationToken = default)
    {
        if (await access.RefuseUnlessAdminAsync(actorUserId, repositoryId, "attach remotes", cancellationToken) is { } refused)
        {
            return refused;
        }

        name = name?.Trim();
        url = url?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100 || name.Any(char.IsControl))
        {
            return PortalError.Invalid("Give the remote a name of 1 to 100 characters.");
        }

        if (string.IsNullOrEmpty(url) || url.Length > 2048 || url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || !Uri.TryCreate(url, UriKind.Absolute, out var parsed)
            || parsed.Scheme is "javascript" or "data" or "vbscript" or "file")
        {
            return PortalError.Invalid("Enter the remote's URL, e.g. s3://bucket/path, https://mlflow.example.com or git@host:org/repo.git.");
        }

        if ((note ?? "").Length > 1000)
        {
            return PortalError.Invalid("Notes are at most 1000 characters.");
        }

        if (await db.ExternalRemotes.AnyAsync(r => r.RepositoryId == repositoryId && r.Name == name, cancellationToken))
        {
            return PortalError.Conflict($"This project already has a remote named '{name}'.");
        }

        var remote = new ExternalRemote { RepositoryId = repositoryId, Name = name, Kind = kind, Url = url, Note = note?.Trim() ?? "" };
        db.ExternalRemotes.Add(remote);
        await db.SaveChangesAsync(cancellationToken);
        return remote;
    }

    public async Task<Outcome<bool>> RemoveAsync(string actorUserId, long repositoryId, long remoteId, CancellationToken cancellationToken = default)
    {
        if (await access.RefuseUnlessAdminAsync(actorUserId, repositoryId, "remove remotes", cancellationToken) is { } refused)
        {
            return refused;
        }

        return await db.ExternalRemotes.Where(r => r.RepositoryId == repositoryId && r.Id == remoteId).ExecuteDeleteAsync(cancellationToken) > 0;
    }
}
