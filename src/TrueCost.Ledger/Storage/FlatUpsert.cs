namespace TrueCost.Ledger.Storage;

/// <summary>How a flat-table column combines an incoming row with the stored one.</summary>
public enum Merge
{
    Key,
    Sum,
    Max,
    Replace,
}

public sealed record FlatColumn(string Name, string PgType, Merge Merge, bool Nullable = false);

/// <summary>
/// Builds the one statement our projections write with: a multi-row insert from parallel arrays
/// (<c>unnest</c>) that merges into existing rows column by column. One round trip per batch.
/// </summary>
public static class FlatUpsert
{
    public static string Sql(string table, IReadOnlyList<FlatColumn> columns)
    {
        var names = string.Join(", ", columns.Select(c => c.Name));
        var arrays = string.Join(", ", columns.Select(c => $"?::{c.PgType}[]"));
        var keys = string.Join(", ", columns.Where(c => c.Merge == Merge.Key).Select(c => c.Name));
        var updates = columns.Where(c => c.Merge != Merge.Key).Select(c => c.Merge switch
        {
            // A nullable sum stays null until some row brings a value: null means "none reported", not zero.
            Merge.Sum when c.Nullable => $"{c.Name} = coalesce(t.{c.Name} + excluded.{c.Name}, t.{c.Name}, excluded.{c.Name})",
            Merge.Sum => $"{c.Name} = t.{c.Name} + excluded.{c.Name}",
            Merge.Max => $"{c.Name} = greatest(t.{c.Name}, excluded.{c.Name})",
            _ => $"{c.Name} = excluded.{c.Name}",
        });
        return $"""
            insert into {table} as t ({names})
            select * from unnest({arrays})
            on conflict ({keys}) do update set {string.Join(", ", updates)}, updated_at = now()
            """;
    }
}
