using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Tests.Data;

/// <summary>
/// Migrations are hand-written (no EF design-time tools here), so this proves a database migrated from zero has
/// exactly the schema the model implies: same tables, columns (type, nullability, key), indexes and foreign keys.
/// </summary>
public sealed class MigrationSchemaTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("portal-schema-").FullName;

    [Fact]
    public async Task MigratedDatabase_MatchesTheModel()
    {
        var migratedPath = Path.Combine(folder, "migrated.db");
        var modelPath = Path.Combine(folder, "model.db");
        await using (var migrated = Context(migratedPath))
        {
            await migrated.Database.MigrateAsync();
        }

        await using (var model = Context(modelPath))
        {
            await model.Database.EnsureCreatedAsync();
        }

        var expected = Describe(modelPath);
        var actual = Describe(migratedPath);

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task NoPendingModelChanges_AfterMigrate()
    {
        await using var context = Context(Path.Combine(folder, "pending.db"));
        await context.Database.MigrateAsync();

        Assert.Empty(await context.Database.GetPendingMigrationsAsync());
        Assert.Contains("20261121000000_Initial", await context.Database.GetAppliedMigrationsAsync());
    }

    private static PortalDbContext Context(string path) =>
        new(new DbContextOptionsBuilder<PortalDbContext>().UseSqlite($"Data Source={path};Pooling=False").Options);

    /// <summary>One line per schema fact, sorted, so a difference shows as a readable diff.</summary>
    private static List<string> Describe(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        var facts = new List<string>();
        var tables = Query(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('__EFMigrationsHistory', '__EFMigrationsLock')", r => r.GetString(0));
        foreach (var table in tables)
        {
            facts.AddRange(Query(connection, $"PRAGMA table_info(\"{table}\")", r => $"column {table}.{r.GetString(1)} {r.GetString(2)} notnull={r.GetInt64(3)} pk={r.GetInt64(5)}"));
            facts.AddRange(Query(connection, $"PRAGMA foreign_key_list(\"{table}\")", r => $"fk {table}.{r.GetString(3)} -> {r.GetString(2)}.{r.GetString(4)} on delete {r.GetString(6)}"));
            foreach (var (index, unique) in Query(connection, $"PRAGMA index_list(\"{table}\")", r => (r.GetString(1), r.GetInt64(2))))
            {
                var columns = Query(connection, $"PRAGMA index_info(\"{index}\")", r => r.GetString(2));
                facts.Add($"index {table}.{index} unique={unique} ({string.Join(",", columns)})");
            }

            var autoincrement = Query(connection, $"SELECT sql FROM sqlite_master WHERE name = '{table}'", r => r.GetString(0)).Single().Contains("AUTOINCREMENT", StringComparison.Ordinal);
            facts.Add($"table {table} autoincrement={autoincrement}");
        }

        facts.Sort(StringComparer.Ordinal);
        return facts;
    }

    private static List<T> Query<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
