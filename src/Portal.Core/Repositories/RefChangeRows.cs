using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Core.Data;

namespace Portal.Core.Repositories;

/// <summary>
/// Writes the ref changes of an activity entry with one prepared statement inside the caller's transaction, instead of
/// through the change tracker: an import of a repository with thousands of refs records one row per ref, and EF's
/// insert (a command, a RETURNING read and a tracked entity with its snapshot per row) took about 0.5 s and tens of
/// MiB for 6,000 of them (issue 17, many-refs import).
/// </summary>
public static class RefChangeRows
{
    public static async Task InsertAsync(PortalDbContext db, long eventId, IReadOnlyList<RefChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        // Only ever beside the entry's own insert: a half-written list must roll back with it.
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Ref changes are written inside the transaction that records their activity entry.");
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO "RefChanges" ("EventId", "RefName", "OldSha", "NewSha", "Kind") VALUES ($event, $name, $old, $new, $kind)
            """;
        Parameter(command, "$event").Value = eventId;
        var name = Parameter(command, "$name");
        var oldSha = Parameter(command, "$old");
        var newSha = Parameter(command, "$new");
        var kind = Parameter(command, "$kind");
        await command.PrepareAsync(cancellationToken);
        foreach (var change in changes)
        {
            name.Value = change.RefName;
            oldSha.Value = (object?)change.OldSha ?? DBNull.Value;
            newSha.Value = (object?)change.NewSha ?? DBNull.Value;
            // As the model stores it (HasConversion<string>): the enum's name.
            kind.Value = change.Kind.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static DbParameter Parameter(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
