using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.GpuSamples;

/// <summary>
/// Async projection: <see cref="GpuSamplesRecorded"/> → gpu_hourly (hour × pool × GPU), and the view
/// gpu_pool_hourly over it. A GPU that reported in an hour counts as provisioned for the whole hour;
/// the seconds it did not report are <c>missing_gpu_seconds</c> — unknown, neither idle nor busy.
/// </summary>
public sealed partial class GpuHourlyProjection : EventProjection
{
    public static readonly IReadOnlyList<FlatColumn> Columns =
    [
        new("hour", "timestamptz", Merge.Key),
        new("pool", "text", Merge.Key),
        new("gpu_uuid", "text", Merge.Key),
        new("gpu_class", "text", Merge.Replace),
        new("node", "text", Merge.Replace),
        new("samples", "bigint", Merge.Sum),
        new("gpu_seconds", "double precision", Merge.Sum),
        new("busy_gpu_seconds", "double precision", Merge.Sum),
        new("util_peak", "double precision", Merge.Max),
        new("kv_cache_peak", "double precision", Merge.Max),
        new("waiting_peak", "double precision", Merge.Max),
        new("waiting_seconds", "double precision", Merge.Sum),
        new("running_seconds", "double precision", Merge.Sum),
        new("fb_used_peak_mib", "double precision", Merge.Max),
        new("energy_wh", "double precision", Merge.Sum),
        new("prompt_tokens", "bigint", Merge.Sum),
        new("generation_tokens", "bigint", Merge.Sum),
    ];

    private readonly string _upsertSql;
    private readonly string _schema;

    public GpuHourlyProjection(string schema)
    {
        Name = LedgerTables.GpuHourly;
        IncludeType<GpuSamplesRecorded>();
        var table = LedgerTables.QualifiedName(schema, LedgerTables.GpuHourly);
        Options.DeleteDataInTableOnTeardown(table);
        _upsertSql = FlatUpsert.Sql(table, Columns);
        _schema = schema;
    }

    public static string PoolViewSql(string schema) => $"""
        select hour, pool, min(gpu_class) as gpu_class,
               count(*) as gpus,
               sum(gpu_seconds) as gpu_seconds,
               greatest(count(*) * 3600 - sum(gpu_seconds), 0) as missing_gpu_seconds,
               sum(busy_gpu_seconds) / nullif(sum(gpu_seconds), 0) as busy_share,
               100 * sum(busy_gpu_seconds) / nullif(sum(gpu_seconds), 0) as util_mean,
               max(util_peak) as util_peak,
               max(kv_cache_peak) as kv_cache_peak,
               max(waiting_peak) as queue_depth_peak,
               sum(waiting_seconds) / nullif(sum(gpu_seconds), 0) as queue_depth_mean,
               sum(prompt_tokens) + sum(generation_tokens) as tokens,
               sum(energy_wh) as energy_wh
        from {schema}.{LedgerTables.GpuHourly}
        group by hour, pool
        """;

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is GpuSamplesRecorded { Samples.Count: > 0 } batch)
        {
            var rows = GpuHourly.Aggregate(batch.Samples);
            var keys = rows.Keys.ToArray();
            var t = keys.Select(k => rows[k]).ToArray();
            operations.QueueSqlCommand(
                _upsertSql,
                keys.Select(k => k.Hour).ToArray(),
                keys.Select(k => k.Pool).ToArray(),
                keys.Select(k => k.GpuUuid).ToArray(),
                t.Select(x => x.GpuClass).ToArray(),
                t.Select(x => x.Node).ToArray(),
                t.Select(x => x.Samples).ToArray(),
                t.Select(x => x.GpuSeconds).ToArray(),
                t.Select(x => x.BusyGpuSeconds).ToArray(),
                t.Select(x => x.UtilPeak).ToArray(),
                t.Select(x => x.KvCachePeak).ToArray(),
                t.Select(x => x.WaitingPeak).ToArray(),
                t.Select(x => x.WaitingSeconds).ToArray(),
                t.Select(x => x.RunningSeconds).ToArray(),
                t.Select(x => x.FramebufferUsedPeakMiB).ToArray(),
                t.Select(x => x.EnergyWh).ToArray(),
                t.Select(x => x.PromptTokens).ToArray(),
                t.Select(x => x.GenerationTokens).ToArray());
            DirtyHours.Enqueue(operations, _schema, keys.Select(k => k.Hour), "gpu samples");
        }

        return ValueTask.CompletedTask;
    }
}
