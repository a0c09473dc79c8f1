using Npgsql;
using TrueCost.IntegrationTests.Governance;
using TrueCost.IntegrationTests.Reporting;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.GpuSamples;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.IntegrationTests.Explorer;

/// <summary>
/// The ledger the explorer's browser tests look at, ending at the start of the current UTC day: six weeks of
/// <see cref="SpikedHistory"/> (acme's chat and search and globex's chat on gpt-4o through the API, with a spike the
/// anomaly detector finds) and, over its last two weeks, self-hosted traffic of acme, globex and initech on two GPU
/// pools and initech's traffic on an API model without a list price. Beside cost_hourly: the usage behind every key,
/// the pools' GPU samples and cost lines, the API usage as priced, one incident and a budget per tenant.
/// </summary>
public static class ExplorerLedger
{
    public const string IncidentId = "INC-7";

    public static readonly DateTimeOffset End = new(DateTime.UtcNow.Date, TimeSpan.Zero);

    /// <summary>Every tenant with cost; a tenant key must never see the others' names.</summary>
    public static readonly string[] Tenants = ["acme", "globex", "initech"];

    public static readonly DateTimeOffset IncidentStart = End.AddDays(-3).AddHours(10);

    private static readonly DateTimeOffset Start = End.AddDays(-14);

    private static readonly Key[] SpikedKeys =
    [
        new("chat", "acme", "gpt-4o", "interactive", "openai", ""),
        new("search", "acme", "gpt-4o", "interactive", "openai", ""),
        new("chat", "globex", "gpt-4o", "interactive", "openai", ""),
    ];

    private static readonly Key[] OwnKeys =
    [
        new("chat", "acme", "llama-3.1-70b", "batch", "vllm", "pool-a100"),
        new("search", "globex", "llama-3.1-70b", "batch", "vllm", "pool-a100"),
        new("summarize", "initech", "llama-3.1-70b", "interactive", "vllm", "pool-a100"),
        new("summarize", "acme", "mistral-7b", "batch", "vllm", "pool-l4"),
        new("chat", "initech", "claude-sonnet-4", "interactive", "anthropic", ""),
    ];

    public static GovernanceOptions Governance() => new()
    {
        Budgets = [.. Tenants.Select(t => new BudgetDefinition { Name = $"{t}-monthly", Amount = 25_000m, Scope = new BudgetScope { Tenant = t } })],
    };

    public static async Task SeedAsync(NpgsqlDataSource db)
    {
        await new SpikedHistory(End).SeedAsync(db);
        var schema = new LedgerOptions().Schema;
        var cost = new List<Dictionary<string, object>>();
        var usage = new List<Dictionary<string, object>>();
        var gpus = new List<Dictionary<string, object>>();
        var lines = new List<Dictionary<string, object>>();
        for (var hour = Start; hour < End; hour = hour.AddHours(1))
        {
            var rhythm = hour.Hour is >= 8 and < 20 ? 1.5m : 0.6m;
            var incident = hour >= IncidentStart && hour < IncidentStart.AddHours(3) ? 15m : 0m;
            foreach (var (key, i) in OwnKeys.Select((k, i) => (k, i)))
            {
                var direct = Math.Round((4m + (2.5m * i)) * rhythm + (0.13m * (hour.Day % 7)), 2);
                var idle = key.Pool.Length > 0 ? Math.Round(direct * 0.25m, 2) : 0m;
                var overhead = Math.Round(direct * 0.12m, 2);
                var observability = Math.Round(direct * 0.03m, 2);
                cost.Add(FlatRows.Values(
                    ("hour", hour), ("route", key.Route), ("tenant", key.Tenant), ("model", key.Model), ("traffic_class", key.TrafficClass), ("currency", "USD"),
                    ("direct_inference", direct), ("platform_overhead", overhead), ("observability", observability), ("engineering", 0.40m),
                    ("incident", incident), ("idle", idle), ("total", direct + overhead + observability + 0.40m + incident)));
            }

            foreach (var (key, i) in SpikedKeys.Concat(OwnKeys).Select((k, i) => (k, i)))
            {
                var requests = (long)((40 + (15 * i)) * rhythm);
                usage.Add(FlatRows.Values(
                    ("hour", hour), ("route", key.Route), ("tenant", key.Tenant), ("provider", key.Provider), ("model", key.Model), ("request_model", key.Model),
                    ("traffic_class", key.TrafficClass), ("serving_mode", key.Pool.Length > 0 ? "self_hosted" : "api"), ("gpu_pool", key.Pool),
                    ("requests", requests), ("input_tokens", requests * 900), ("output_tokens", requests * 250)));
            }

            var busy = (0.2 + (0.7 * Math.Sin(Math.PI * hour.Hour / 23.0))) * (0.8 + (0.05 * (hour.Day % 5)));
            foreach (var gpu in new[] { "GPU-a1", "GPU-a2" })
            {
                gpus.Add(FlatRows.Values(("hour", hour), ("pool", "pool-a100"), ("gpu_uuid", gpu), ("gpu_class", "A100"), ("node", "node-1"), ("samples", 240L),
                    ("gpu_seconds", 3600.0), ("busy_gpu_seconds", 3600.0 * busy), ("util_peak", Math.Min(100, (busy * 100) + 8)), ("kv_cache_peak", Math.Min(0.98, busy + 0.15))));
            }

            gpus.Add(FlatRows.Values(("hour", hour), ("pool", "pool-l4"), ("gpu_uuid", "GPU-l1"), ("gpu_class", "L4"), ("node", "node-2"), ("samples", 240L),
                ("gpu_seconds", 3600.0), ("busy_gpu_seconds", 3600.0 * busy * 0.2), ("util_peak", (busy * 20) + 5), ("kv_cache_peak", busy * 0.3)));
            foreach (var (pool, amount) in new[] { ("pool-a100", 8.20m), ("pool-l4", 1.10m) })
            {
                lines.Add(FlatRows.Values(("hour", hour), ("line_id", $"gpu-{pool}"), ("bucket", CostBuckets.DirectInference), ("driver", Drivers.PoolShare),
                    ("pool", pool), ("currency", "USD"), ("effective_cost", amount), ("billed_cost", amount)));
            }
        }

        await FlatRows.InsertAsync(db, Table(schema, LedgerTables.CostHourly), FlatRows.CostHourlyColumns, cost);
        await FlatRows.InsertAsync(db, Table(schema, LedgerTables.UsageHourly), UsageHourlyProjection.Columns, usage);
        await FlatRows.InsertAsync(db, Table(schema, LedgerTables.GpuHourly), GpuHourlyProjection.Columns, gpus);
        await FlatRows.InsertAsync(db, Table(schema, LedgerTables.CostLineHourly), CostLineHourlyProjection.Columns, lines);
        await ExecuteAsync(db, $"""
            insert into {Table(schema, LedgerTables.PricedUsage)} (hour, route, tenant, provider, model, traffic_class, serving_mode, gpu_pool, requests,
                input_tokens, output_tokens, list_cost, currency, unpriced_requests, unpriced_tokens, price)
            select hour, route, tenant, provider, model, traffic_class, serving_mode, gpu_pool, requests, input_tokens, output_tokens,
                   case when model = 'claude-sonnet-4' then 0 else (input_tokens * 2.5 + output_tokens * 10) / 1e6 end, 'USD',
                   case when model = 'claude-sonnet-4' then requests else 0 end, case when model = 'claude-sonnet-4' then input_tokens + output_tokens else 0 end,
                   case when model = 'claude-sonnet-4' then '' else 'openai/gpt-4o@2026-01' end
            from {Table(schema, LedgerTables.UsageHourly)} where serving_mode = 'api'
            """);
        await ExecuteAsync(db, $$"""
            insert into {{Table(schema, LedgerTables.Incidents)}} (incident_id, severity, title, opened_at, mitigated_at, resolved_at, window_start, window_end,
                failed_requests, responder_hours, responder_cost, failed_request_cost, credits, affected, postmortem_url, records)
            values ($1, 'sev2', 'pool-a100 out of KV cache', $2, $3, $4, $2, $4, 1280, 4.5, 675.00, 212.40, 300.00,
                    '{"routes":["chat","search"],"tenants":["acme","globex"],"models":[],"pools":[]}', 'https://wiki.example/INC-7', 5)
            """, IncidentId, IncidentStart, IncidentStart.AddHours(2), IncidentStart.AddHours(3));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql, params object[] values)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var value in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await cmd.ExecuteNonQueryAsync();
    }

    private static string Table(string schema, string name) => LedgerTables.QualifiedName(schema, name);

    private sealed record Key(string Route, string Tenant, string Model, string TrafficClass, string Provider, string Pool);
}
