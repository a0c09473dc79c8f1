using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>Writes test rows into the ledger's flat tables; columns a row leaves out get a zero of their type.</summary>
public static class FlatRows
{
    public static readonly IReadOnlyList<FlatColumn> CostHourlyColumns =
    [
        new("hour", "timestamptz", Merge.Key), new("route", "text", Merge.Key), new("tenant", "text", Merge.Key),
        new("model", "text", Merge.Key), new("traffic_class", "text", Merge.Key), new("currency", "text", Merge.Replace),
        new("direct_inference", "numeric", Merge.Replace), new("platform_overhead", "numeric", Merge.Replace),
        new("observability", "numeric", Merge.Replace), new("engineering", "numeric", Merge.Replace),
        new("incident", "numeric", Merge.Replace), new("idle", "numeric", Merge.Replace), new("total", "numeric", Merge.Replace),
    ];

    public static Dictionary<string, object> Values(params (string Column, object Value)[] values) =>
        values.ToDictionary(v => v.Column, v => v.Value, StringComparer.Ordinal);

    public static async Task InsertAsync(NpgsqlDataSource dataSource, string table, IReadOnlyList<FlatColumn> columns, IEnumerable<IReadOnlyDictionary<string, object>> rows)
    {
        var list = rows.ToList();
        var sql = $"insert into {table} ({string.Join(", ", columns.Select(c => c.Name))}) " +
                  $"select * from unnest({string.Join(", ", columns.Select((c, i) => $"${i + 1}::{c.PgType}[]"))})";
        await using var cmd = dataSource.CreateCommand(sql);
        foreach (var column in columns)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = Column(column, list) });
        }

        await cmd.ExecuteNonQueryAsync();
    }

    private static Array Column(FlatColumn column, List<IReadOnlyDictionary<string, object>> rows)
    {
        T[] Typed<T>(T zero) => [.. rows.Select(r => r.TryGetValue(column.Name, out var v) ? (T)v : zero)];
        return column.PgType switch
        {
            "text" => Typed(string.Empty),
            "bigint" => Typed(0L),
            "integer" or "int" => Typed(0),
            "double precision" => Typed(0.0),

            // A nullable amount the row does not name was not reported: null, not zero (usage_hourly.reported_cost).
            "numeric" when column.Nullable => Typed<decimal?>(null),
            "numeric" or "numeric(18,2)" => Typed(0m),
            "timestamptz" => Typed(DateTimeOffset.UnixEpoch),
            _ => throw new NotSupportedException($"test rows for {column.Name} of type {column.PgType}"),
        };
    }
}
