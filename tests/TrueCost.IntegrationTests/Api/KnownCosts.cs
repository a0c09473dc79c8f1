using System.Globalization;
using TrueCost.Ledger.Allocation;

namespace TrueCost.IntegrationTests.Api;

/// <summary>
/// A small cost_hourly with every key combination over three hours, the shared rows the allocator
/// writes ((idle), (unallocated)), one row just past the queried range and one in another currency.
/// </summary>
public static class KnownCosts
{
    public static readonly DateTimeOffset From = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset To = From.AddHours(3);
    public static readonly string[] Dimensions = ["hour", "route", "tenant", "model", "traffic_class"];
    public static readonly string[] Money = ["direct_inference", "platform_overhead", "observability", "engineering", "incident", "idle", "total"];

    /// <summary>The counts of API usage without a list price, after the money in every listing and export.</summary>
    public static readonly string[] Counts = ["unpriced_requests", "unpriced_tokens"];

    public static readonly IReadOnlyList<AllocatedRow> Rows = Build();

    /// <summary>The rows a query over [From, To) in USD covers.</summary>
    public static IEnumerable<AllocatedRow> InRange => Rows.Where(r => r.Hour >= From && r.Hour < To && r.Currency == "USD");

    public static string Range => $"from={Iso(From)}&to={Iso(To)}";

    public static string Iso(DateTimeOffset hour) => hour.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Dimension(AllocatedRow row, string name) => name switch
    {
        "hour" => Iso(row.Hour),
        "route" => row.Route,
        "tenant" => row.Tenant,
        "model" => row.Model,
        "traffic_class" => row.TrafficClass,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Expected groups: the dimension values joined by '|' → the seven sums in <see cref="Money"/> order.</summary>
    public static Dictionary<string, decimal[]> Grouped(IEnumerable<AllocatedRow> rows, IReadOnlyList<string> groupBy) =>
        rows.GroupBy(r => string.Join('|', groupBy.Select(d => Dimension(r, d))))
            .ToDictionary(g => g.Key, Totals);

    public static decimal[] Totals(IEnumerable<AllocatedRow> rows) =>
        [.. Enumerable.Range(0, Money.Length).Select(i => rows.Sum(r => Amounts(r)[i]))];

    private static decimal[] Amounts(AllocatedRow r) =>
        [r.DirectInference, r.PlatformOverhead, r.Observability, r.Engineering, r.Incident, r.Idle, r.Total];

    private static List<AllocatedRow> Build()
    {
        var rows = new List<AllocatedRow>();
        var n = 0;
        for (var hour = From; hour < To; hour = hour.AddHours(1))
        {
            foreach (var route in new[] { "chat", "search, v2" })
            {
                foreach (var tenant in new[] { "acme", "globex", "initech" })
                {
                    foreach (var model in new[] { "gpt-4o", "llama-3.1-70b" })
                    {
                        foreach (var traffic in new[] { "interactive", "batch" })
                        {
                            rows.Add(Row(hour, route, tenant, model, traffic, "USD", ++n));
                        }
                    }
                }
            }

            rows.Add(Row(hour, SpecialRows.Idle, SpecialRows.Idle, "llama-3.1-70b", SpecialRows.Idle, "USD", ++n));
            rows.Add(Row(hour, SpecialRows.Unallocated, SpecialRows.All, SpecialRows.Unallocated, SpecialRows.Unallocated, "USD", ++n));
        }

        rows.Add(Row(To, "chat", "acme", "gpt-4o", "interactive", "USD", ++n));
        rows.Add(Row(From, "chat", "acme", "gpt-4o", "eval", "EUR", ++n));
        return rows;
    }

    private static AllocatedRow Row(DateTimeOffset hour, string route, string tenant, string model, string traffic, string currency, int n)
    {
        decimal Cents(int salt) => ((n * 7919 + salt * 104_729) % 100_000) / 100m;
        var direct = Cents(1);
        return new AllocatedRow(hour, route, tenant, model, traffic, currency, direct, Cents(2), Cents(3), Cents(4), Cents(5), Math.Round(direct * 0.17m, 2));
    }
}
