using Npgsql;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.GpuSamples;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Weekly;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>
/// Known ledger rows for 2026-W46 and 2026-W47, written straight into the flat tables the report reads:
/// cost_hourly, usage_hourly, gpu_hourly (behind the gpu_pool_hourly view) and cost_line_hourly. The
/// expected figures are summed here in C#, independently of the report's SQL.
/// </summary>
public sealed class LedgerSeed
{
    public const string ApiPool = "";
    public const string SharedPool = "pool-a100";
    public const string UnusedPool = "pool-h100";
    public const decimal SharedPoolHourCost = 4.00m;
    public const decimal UnusedPoolHourCost = 6.50m;

    public static readonly IsoWeek Week = IsoWeek.Parse("2026-W47");

    private static readonly int[] Hours = [2, 9, 14, 20];

    private static readonly (string Route, string Tenant, string Model, string TrafficClass, string Pool)[] Keys =
    [
        ("chat", "acme", "gpt-4o", "interactive", ApiPool),
        ("search", "globex", "llama-70b", "batch", SharedPool),
        ("summarize", "acme", "llama-70b", "interactive", SharedPool),
    ];

    private LedgerSeed(List<AllocatedRow> cost, List<UsageRow> usage)
    {
        Cost = cost;
        Usage = usage;
    }

    public IReadOnlyList<AllocatedRow> Cost { get; }

    public IReadOnlyList<UsageRow> Usage { get; }

    /// <summary>
    /// Four hours a day, three keys, both weeks. In W47 the chat route's direct cost grows by half and search's
    /// platform overhead falls by a third, so the change has known drivers.
    /// </summary>
    public static LedgerSeed Create()
    {
        var cost = new List<AllocatedRow>();
        var usage = new List<UsageRow>();
        foreach (var week in new[] { Week.Previous(), Week })
        {
            var current = week == Week;
            var i = 0;
            for (var day = 0; day < 7; day++)
            {
                foreach (var h in Hours)
                {
                    var hour = week.Start.AddDays(day).AddHours(h);
                    for (var k = 0; k < Keys.Length; k++, i++)
                    {
                        var key = Keys[k];
                        var direct = Math.Round((10.01m * (k + 1)) + (0.37m * (i % 11)), 2);
                        var overhead = Math.Round(2.13m + (0.11m * (i % 5)), 2);
                        if (current && key.Route == "chat")
                        {
                            direct = Math.Round(direct * 1.5m, 2);
                        }

                        if (current && key.Route == "search")
                        {
                            overhead = Math.Round(overhead * 2 / 3, 2);
                        }

                        var idle = key.Pool.Length > 0 ? Math.Round(direct * 0.2m, 2) : 0m;
                        cost.Add(new AllocatedRow(hour, key.Route, key.Tenant, key.Model, key.TrafficClass, "USD",
                            direct, overhead, Math.Round(0.45m + (0.01m * k), 2), 1.10m, day == 3 && h == 14 ? 7.77m : 0m, idle));
                        usage.Add(new UsageRow(hour, key.Route, key.Tenant, key.Model, key.TrafficClass, key.Pool, 100 + i, 1000L * (i + 1), 500L * (i + 1)));
                    }
                }
            }
        }

        return new LedgerSeed(cost, usage);
    }

    public BucketAmounts Expected(IsoWeek week) => Sum(Cost.Where(r => IsoWeek.Of(r.Hour) == week));

    public static BucketAmounts Sum(IEnumerable<AllocatedRow> rows)
    {
        var list = rows.ToList();
        return new BucketAmounts(
            list.Sum(r => r.DirectInference), list.Sum(r => r.PlatformOverhead), list.Sum(r => r.Observability),
            list.Sum(r => r.Engineering), list.Sum(r => r.Incident), list.Sum(r => r.Idle));
    }

    /// <summary>Applies the ledger schema to a fresh database and writes the rows.</summary>
    public async Task ApplyAsync(string connectionString)
    {
        var ledger = new LedgerOptions();
        using (var store = LedgerStore.CreateStore(connectionString, ledger))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var s = ledger.Schema;
        await FlatRows.InsertAsync(dataSource, LedgerTables.QualifiedName(s, LedgerTables.CostHourly), FlatRows.CostHourlyColumns, Cost.Select(r => FlatRows.Values(
            ("hour", r.Hour), ("route", r.Route), ("tenant", r.Tenant), ("model", r.Model), ("traffic_class", r.TrafficClass), ("currency", r.Currency),
            ("direct_inference", r.DirectInference), ("platform_overhead", r.PlatformOverhead), ("observability", r.Observability),
            ("engineering", r.Engineering), ("incident", r.Incident), ("idle", r.Idle), ("total", r.Total))));
        await FlatRows.InsertAsync(dataSource, LedgerTables.QualifiedName(s, LedgerTables.UsageHourly), UsageHourlyProjection.Columns, Usage.Select(u => FlatRows.Values(
            ("hour", u.Hour), ("route", u.Route), ("tenant", u.Tenant), ("provider", u.Pool.Length > 0 ? "self" : "openai"), ("model", u.Model),
            ("traffic_class", u.TrafficClass), ("serving_mode", u.Pool.Length > 0 ? "self_hosted" : "api"), ("gpu_pool", u.Pool), ("currency", "USD"),
            ("requests", u.Requests), ("input_tokens", u.InputTokens), ("output_tokens", u.OutputTokens))));

        // Every hour of W47: the shared pool has two GPUs with a daily utilization wave, the unused one a single idle GPU.
        var gpuRows = new List<Dictionary<string, object>>();
        var lineRows = new List<Dictionary<string, object>>();
        foreach (var hour in Enumerable.Range(0, 168).Select(h => Week.Start.AddHours(h)))
        {
            var busy = SharedPoolBusyShare(hour);
            foreach (var gpu in new[] { "GPU-a", "GPU-b" })
            {
                gpuRows.Add(FlatRows.Values(("hour", hour), ("pool", SharedPool), ("gpu_uuid", gpu), ("gpu_class", "A100"), ("node", "node-1"),
                    ("samples", 240L), ("gpu_seconds", 3600.0), ("busy_gpu_seconds", 3600.0 * busy), ("util_peak", Math.Min(100, (busy * 100) + 10))));
            }

            gpuRows.Add(FlatRows.Values(("hour", hour), ("pool", UnusedPool), ("gpu_uuid", "GPU-h"), ("gpu_class", "H100"), ("node", "node-2"),
                ("samples", 240L), ("gpu_seconds", 3600.0), ("busy_gpu_seconds", 0.0), ("util_peak", 1.0)));
            foreach (var (pool, amount) in new[] { (SharedPool, SharedPoolHourCost), (UnusedPool, UnusedPoolHourCost) })
            {
                lineRows.Add(FlatRows.Values(("hour", hour), ("line_id", $"gpu-{pool}"), ("bucket", CostBuckets.DirectInference), ("driver", Drivers.PoolShare),
                    ("pool", pool), ("currency", "USD"), ("effective_cost", amount), ("billed_cost", amount)));
            }
        }

        await FlatRows.InsertAsync(dataSource, LedgerTables.QualifiedName(s, LedgerTables.GpuHourly), GpuHourlyProjection.Columns, gpuRows);
        await FlatRows.InsertAsync(dataSource, LedgerTables.QualifiedName(s, LedgerTables.CostLineHourly), CostLineHourlyProjection.Columns, lineRows);
    }

    /// <summary>Busy share of the shared pool: low at night, high in the afternoon (UTC).</summary>
    public static double SharedPoolBusyShare(DateTimeOffset hour) => 0.15 + (0.7 * Math.Sin(Math.PI * hour.Hour / 23.0));

    public sealed record UsageRow(DateTimeOffset Hour, string Route, string Tenant, string Model, string TrafficClass, string Pool, long Requests, long InputTokens, long OutputTokens)
    {
        public long Tokens => InputTokens + OutputTokens;
    }
}
