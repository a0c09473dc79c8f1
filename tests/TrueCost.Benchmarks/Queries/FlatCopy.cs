using Npgsql;

namespace TrueCost.Benchmarks.Queries;

/// <summary>A column to COPY into: its name and PostgreSQL type (as in the projections' column lists).</summary>
public sealed record CopyColumn(string Name, string PgType);

/// <summary>Binary COPY of rows given as values in column order.</summary>
public static class FlatCopy
{
    public static async Task<long> WriteAsync(NpgsqlConnection conn, string table, IReadOnlyList<CopyColumn> columns, IEnumerable<object[]> rows, CancellationToken ct)
    {
        var count = 0L;
        await using var copy = await conn.BeginBinaryImportAsync(
            $"copy {table} ({string.Join(", ", columns.Select(c => c.Name))}) from stdin (format binary)", ct);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(ct);
            for (var i = 0; i < columns.Count; i++)
            {
                await copy.WriteAsync(row[i], columns[i].PgType, ct);
            }

            count++;
        }

        await copy.CompleteAsync(ct);
        return count;
    }
}
