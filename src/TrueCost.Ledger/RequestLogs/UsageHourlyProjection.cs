using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.RequestLogs;

/// <summary>
/// Async projection: <see cref="RequestsRecorded"/> batches → the flat table usage_hourly
/// (one row per hour × route × tenant × provider × model × traffic class × serving mode × pool).
/// Each batch is summed in memory and written with one multi-row additive upsert; the table is
/// emptied on rebuild so a rebuild reproduces it from the events alone.
/// </summary>
public sealed partial class UsageHourlyProjection : EventProjection
{
    public static readonly IReadOnlyList<FlatColumn> Columns =
    [
        new("hour", "timestamptz", Merge.Key),
        new("route", "text", Merge.Key),
        new("tenant", "text", Merge.Key),
        new("provider", "text", Merge.Key),
        new("model", "text", Merge.Key),
        new("request_model", "text", Merge.Key),
        new("traffic_class", "text", Merge.Key),
        new("serving_mode", "text", Merge.Key),
        new("gpu_pool", "text", Merge.Key),
        new("requests", "bigint", Merge.Sum),
        new("errors", "bigint", Merge.Sum),
        new("timeouts", "bigint", Merge.Sum),
        new("retries", "bigint", Merge.Sum),
        new("input_tokens", "bigint", Merge.Sum),
        new("output_tokens", "bigint", Merge.Sum),
        new("cached_input_tokens", "bigint", Merge.Sum),
        new("cache_creation_tokens", "bigint", Merge.Sum),
        new("reasoning_tokens", "bigint", Merge.Sum),
        new("retry_tokens", "bigint", Merge.Sum),
        new("latency_ms_sum", "double precision", Merge.Sum),
        new("ttft_ms_sum", "double precision", Merge.Sum),
        new("request_bytes", "bigint", Merge.Sum),
        new("response_bytes", "bigint", Merge.Sum),

        // The producer's own cost in USD (LiteLLM's response_cost), for comparison only: null when no request of
        // the row reported one. Never read by pricing or allocation.
        new("reported_cost", "numeric", Merge.Sum, Nullable: true),
    ];

    private readonly string _upsertSql;
    private readonly string _schema;

    public UsageHourlyProjection(string schema)
    {
        Name = LedgerTables.UsageHourly;
        IncludeType<RequestsRecorded>();
        var table = LedgerTables.QualifiedName(schema, LedgerTables.UsageHourly);
        Options.DeleteDataInTableOnTeardown(table);
        _upsertSql = FlatUpsert.Sql(table, Columns);
        _schema = schema;
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is RequestsRecorded batch)
        {
            Write(operations, UsageHourly.Aggregate(batch.Requests));
        }

        return ValueTask.CompletedTask;
    }

    private void Write(IDocumentOperations operations, Dictionary<UsageKey, UsageTotals> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var keys = rows.Keys.ToArray();
        var totals = keys.Select(k => rows[k]).ToArray();
        operations.QueueSqlCommand(
            _upsertSql,
            keys.Select(k => k.Hour).ToArray(),
            keys.Select(k => k.Route).ToArray(),
            keys.Select(k => k.Tenant).ToArray(),
            keys.Select(k => k.Provider).ToArray(),
            keys.Select(k => k.Model).ToArray(),
            keys.Select(k => k.RequestModel).ToArray(),
            keys.Select(k => k.TrafficClass).ToArray(),
            keys.Select(k => k.ServingMode).ToArray(),
            keys.Select(k => k.GpuPool).ToArray(),
            totals.Select(t => t.Requests).ToArray(),
            totals.Select(t => t.Errors).ToArray(),
            totals.Select(t => t.Timeouts).ToArray(),
            totals.Select(t => t.Retries).ToArray(),
            totals.Select(t => t.InputTokens).ToArray(),
            totals.Select(t => t.OutputTokens).ToArray(),
            totals.Select(t => t.CachedInputTokens).ToArray(),
            totals.Select(t => t.CacheCreationTokens).ToArray(),
            totals.Select(t => t.ReasoningTokens).ToArray(),
            totals.Select(t => t.RetryTokens).ToArray(),
            totals.Select(t => t.LatencyMsSum).ToArray(),
            totals.Select(t => t.TtftMsSum).ToArray(),
            totals.Select(t => t.RequestBytes).ToArray(),
            totals.Select(t => t.ResponseBytes).ToArray(),
            totals.Select(t => t.ReportedCost).ToArray());
        DirtyHours.Enqueue(operations, _schema, keys.Select(k => k.Hour), "usage");
    }
}
