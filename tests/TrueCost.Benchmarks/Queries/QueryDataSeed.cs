using System.Diagnostics;
using Npgsql;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.GpuSamples;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;
using TrueCost.Synthetic;

namespace TrueCost.Benchmarks.Queries;

/// <summary>The seeded ledger the query and report stages read.</summary>
public sealed record QueryData(string ConnectionString, DateTimeOffset From, DateTimeOffset To, long Requests, long UsageRows, long CostRows, double SeedSeconds);

/// <summary>
/// Fills a fresh ledger's flat tables directly with COPY, bypassing ingest and projections: the
/// usage_hourly and cost_hourly rows that <c>requests</c> requests over <c>days</c> days would give
/// with the synthetic generator's routes (7) and tenants (40, Zipf), hour by hour along its diurnal
/// profile; plus each GPU pool's hourly samples and cost lines, so the weekly report has pools.
/// API cost comes from the real price catalogue; the other buckets use fixed plausible rates.
/// </summary>
public static class QueryDataSeed
{
    private static readonly Dictionary<string, (string GpuClass, int Gpus, decimal HourlyRate)> Pools = new(StringComparer.Ordinal)
    {
        ["l40s-pool"] = ("L40S", 8, 1.80m),
        ["h100-pool"] = ("H100", 4, 4.10m),
    };

    public static async Task<QueryData> SeedAsync(string connectionString, long requests, int days, CancellationToken ct)
    {
        var ledger = new LedgerOptions();
        var prices = LedgerStore.LoadPrices(ledger);
        using (var store = LedgerStore.CreateStore(connectionString, ledger))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        var clock = Stopwatch.StartNew();
        var to = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        var from = to.AddDays(-days);
        var keys = Keys(requests, from, days).ToList();
        var table = (string name) => LedgerTables.QualifiedName(ledger.Schema, name);
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        var usageRows = await FlatCopy.WriteAsync(conn, table(LedgerTables.UsageHourly), Columns(UsageHourlyProjection.Columns), keys.Select(Usage), ct);
        var costRows = await FlatCopy.WriteAsync(conn, table(LedgerTables.CostHourly), CostColumns, keys.Select(k => Cost(k, prices)), ct);
        var poolTokens = keys.Where(k => k.Route.GpuPool is not null)
            .GroupBy(k => (k.Hour, Pool: k.Route.GpuPool!))
            .ToDictionary(g => g.Key, g => g.Sum(k => k.Requests * (k.Route.InputTokens + k.Route.OutputTokens)));
        await FlatCopy.WriteAsync(conn, table(LedgerTables.GpuHourly), Columns(GpuHourlyProjection.Columns), GpuRows(poolTokens), ct);
        await FlatCopy.WriteAsync(conn, table(LedgerTables.CostLineHourly), Columns(CostLineHourlyProjection.Columns), PoolCostLines(from, days), ct);
        await using (var analyze = new NpgsqlCommand("analyze", conn))
        {
            await analyze.ExecuteNonQueryAsync(ct);
        }

        return new QueryData(connectionString, from, to, keys.Sum(k => k.Requests), usageRows, costRows, clock.Elapsed.TotalSeconds);
    }

    private static readonly CopyColumn[] CostColumns =
    [
        new("hour", "timestamptz"), new("route", "text"), new("tenant", "text"), new("model", "text"), new("traffic_class", "text"), new("currency", "text"),
        new("direct_inference", "numeric"), new("platform_overhead", "numeric"), new("observability", "numeric"), new("engineering", "numeric"),
        new("incident", "numeric"), new("idle", "numeric"), new("total", "numeric"),
    ];

    private static CopyColumn[] Columns(IReadOnlyList<FlatColumn> columns) => [.. columns.Select(c => new CopyColumn(c.Name, c.PgType))];

    /// <summary>Requests per hour × route × tenant: the expected count, rounded up or down at random so the total stays right.</summary>
    private static IEnumerable<SeedKey> Keys(long requests, DateTimeOffset from, int days)
    {
        var random = new Random(11);
        var tenantWeights = Enumerable.Range(1, RequestLogGenerator.TenantCount).Select(k => 1 / Math.Pow(k, 1.1)).ToArray();
        var tenantTotal = tenantWeights.Sum();
        var routeTotal = RequestLogGenerator.Routes.Sum(r => r.Share);
        for (var hour = from; hour < from.AddDays(days); hour = hour.AddHours(1))
        {
            var inHour = (double)requests / days * DiurnalProfile.HourWeights[hour.Hour];
            foreach (var route in RequestLogGenerator.Routes)
            {
                for (var t = 0; t < tenantWeights.Length; t++)
                {
                    var expected = inHour * route.Share / routeTotal * tenantWeights[t] / tenantTotal;
                    var n = (long)expected + (random.NextDouble() < expected % 1 ? 1 : 0);
                    if (n > 0)
                    {
                        yield return new SeedKey(hour, route, $"tenant-{t + 1:00}", n);
                    }
                }
            }
        }
    }

    private static object[] Usage(SeedKey k)
    {
        var (n, r) = (k.Requests, k.Route);
        var (input, output) = (n * r.InputTokens, n * r.OutputTokens);
        var cached = r.ServingMode == ServingModes.Api ? input * 15 / 100 : 0;
        var retries = n * 2 / 100;
        return
        [
            k.Hour, r.Route, k.Tenant, r.Provider, r.Model, r.Model, r.TrafficClass, r.ServingMode, r.GpuPool ?? string.Empty,
            n, n * 2 / 100, n / 100, retries, input, output, cached, 0L, 0L, retries * (r.InputTokens + r.OutputTokens),
            n * (180 + (r.OutputTokens * 12.0)), n * 260.0, input * 4, output * 4,

            // reported_cost: the synthetic gateway reports no cost of its own.
            DBNull.Value,
        ];
    }

    private static object[] Cost(SeedKey k, PriceCatalogue prices)
    {
        var (n, r) = (k.Requests, k.Route);
        var tokens = n * (r.InputTokens + r.OutputTokens);
        var selfHosted = r.ServingMode == ServingModes.SelfHosted;
        var direct = selfHosted ? Cents(tokens * 0.00000045m) : Cents(ApiCost(k, prices));
        var row = new AllocatedRow(
            k.Hour, r.Route, k.Tenant, r.Model, r.TrafficClass, LedgerCurrency,
            direct, Cents(n * 0.00004m), Cents(n * 0.00002m), Cents(tokens * 0.00000006m),
            k.Hour.Day % 10 == 3 && k.Hour.Hour == 14 ? Cents(n * 0.002m) : 0m,
            selfHosted ? Cents(direct / 4) : 0m);
        return
        [
            row.Hour, row.Route, row.Tenant, row.Model, row.TrafficClass, row.Currency,
            row.DirectInference, row.PlatformOverhead, row.Observability, row.Engineering, row.Incident, row.Idle, row.Total,
        ];
    }

    private static decimal ApiCost(SeedKey k, PriceCatalogue prices)
    {
        if (k.Route.ServingMode != ServingModes.Api || prices.Find(k.Route.Provider, k.Route.Model, k.Hour) is not { } price)
        {
            return 0m;
        }

        var input = k.Requests * k.Route.InputTokens;
        return price.Cost(new TokenCounts(input, input * 15 / 100, 0, k.Requests * k.Route.OutputTokens, 0));
    }

    private static IEnumerable<object[]> GpuRows(Dictionary<(DateTimeOffset Hour, string Pool), long> poolTokens)
    {
        var busiest = poolTokens.GroupBy(p => p.Key.Pool).ToDictionary(g => g.Key, g => (double)g.Max(p => p.Value));
        foreach (var ((hour, pool), tokens) in poolTokens)
        {
            var (gpuClass, gpus, _) = Pools[pool];
            var busy = 0.1 + (0.8 * tokens / busiest[pool]);
            for (var g = 0; g < gpus; g++)
            {
                yield return
                [
                    hour, pool, $"GPU-{pool}-{g:00}", gpuClass, $"{pool}-node-{g / 4}", 240L, 3600.0, 3600.0 * busy,
                    Math.Min(100, 100 * busy * 1.3), 0.4 + (0.5 * busy), 4.0 * busy, 300.0 * busy, 3600.0 * busy, 38_000.0, 350.0 * busy,
                    tokens * 8 / 10 / gpus, tokens * 2 / 10 / gpus,
                ];
            }
        }
    }

    private static IEnumerable<object[]> PoolCostLines(DateTimeOffset from, int days)
    {
        for (var hour = from; hour < from.AddDays(days); hour = hour.AddHours(1))
        {
            foreach (var (pool, (_, gpus, rate)) in Pools)
            {
                var cost = gpus * rate;
                yield return
                [
                    hour, $"bench-{pool}-{hour:yyyyMMddHH}", CostBuckets.DirectInference, Drivers.PoolShare, pool, "aws", string.Empty, string.Empty,
                    "bench-seed", LedgerCurrency, cost, cost, "Usage", string.Empty, "Compute", "Amazon EC2", "Amazon EC2||AWS||", string.Empty, string.Empty, 0L,
                    DBNull.Value, DBNull.Value, DBNull.Value,
                ];
            }
        }
    }

    private const string LedgerCurrency = "USD";

    private static decimal Cents(decimal amount) => Math.Round(amount, 2, MidpointRounding.ToEven);

    private sealed record SeedKey(DateTimeOffset Hour, SyntheticRoute Route, string Tenant, long Requests);
}
