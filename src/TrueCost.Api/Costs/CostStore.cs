using System.Runtime.CompilerServices;
using Npgsql;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Storage;

namespace TrueCost.Api.Costs;

/// <summary>Reads cost_hourly grouped by the asked dimensions, in the ledger's currency only.</summary>
internal sealed class CostStore(NpgsqlDataSource db, LedgerOptions ledger)
{
    private static readonly string Sums = string.Join(", ", CostAmounts.Columns.Concat(CostAmounts.CountColumns).Select(c => $"sum({c}) as {c}"));
    private static readonly string Totals = string.Join(", ", CostAmounts.Columns.Concat(CostAmounts.CountColumns).Select(c => $"coalesce(sum({c}), 0)"));

    private readonly string _table = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostHourly);

    public string Currency => ledger.Currency;

    public async Task<CostPage> PageAsync(CostQuery query, Paging paging, CancellationToken ct)
    {
        var (where, grouped) = Grouped(query);
        await using var totals = where.Command(db, $"select count(*), {Totals} from ({grouped}) g");
        await using var t = await totals.ExecuteReaderAsync(ct);
        await t.ReadAsync(ct);
        var totalRows = t.GetInt64(0);
        var sums = CostAmounts.Read(t, 1);
        await t.CloseAsync();

        var rows = await where.PageAsync(db, Ordered(query, grouped), paging, r => Row(r, query.GroupBy), ct);
        return new CostPage(
            query.Range.From, query.Range.To, [.. query.GroupBy.Select(d => d.Name())], Currency,
            paging.Page, paging.PageSize, totalRows, rows, sums);
    }

    /// <summary>Every group, streamed in order; the query runs when enumeration starts.</summary>
    public async IAsyncEnumerable<CostRow> AllAsync(CostQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        var (where, grouped) = Grouped(query);
        await using var cmd = where.Command(db, Ordered(query, grouped));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            yield return Row(r, query.GroupBy);
        }
    }

    private (SqlWhere Where, string Sql) Grouped(CostQuery query)
    {
        var where = new SqlWhere()
            .Add("currency", "=", Currency)
            .Add("hour", ">=", query.Range.From)
            .Add("hour", "<", query.Range.To)
            .AddIf("route", query.Route)
            .AddIf("tenant", query.Tenant)
            .AddIf("model", query.Model)
            .AddIf("traffic_class", query.TrafficClass);
        var dims = Dimensions(query);
        return (where, $"select {dims}, {Sums} from {_table} where {where.Sql} group by {dims}");
    }

    private static string Ordered(CostQuery query, string grouped) => $"{grouped} order by {Dimensions(query)}";

    private static string Dimensions(CostQuery query) => string.Join(", ", query.GroupBy.Select(d => d.Name()));

    private static CostRow Row(NpgsqlDataReader r, IReadOnlyList<CostDimension> groupBy)
    {
        var row = new CostRow(CostAmounts.Read(r, groupBy.Count));
        for (var i = 0; i < groupBy.Count; i++)
        {
            row = groupBy[i] switch
            {
                CostDimension.Hour => row with { Hour = r.GetFieldValue<DateTimeOffset>(i) },
                CostDimension.Route => row with { Route = r.GetString(i) },
                CostDimension.Tenant => row with { Tenant = r.GetString(i) },
                CostDimension.Model => row with { Model = r.GetString(i) },
                CostDimension.TrafficClass => row with { TrafficClass = r.GetString(i) },
                _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy[i], null),
            };
        }

        return row;
    }
}
