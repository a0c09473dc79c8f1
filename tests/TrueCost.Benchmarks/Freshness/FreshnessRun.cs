using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using TrueCost.Benchmarks.EndToEnd;
using TrueCost.Benchmarks.Measurement;
using TrueCost.Benchmarks.Setup;
using TrueCost.Contracts;
using TrueCost.Ledger.Storage;

namespace TrueCost.Benchmarks.Freshness;

/// <summary>
/// Lag percentiles, and the lag split at the ingest commit (from the database's own clock: the
/// ingest and projection transactions' start times, so each part is approximate).
/// </summary>
public sealed record FreshnessResult(
    double AchievedRate, int Markers, double P50Ms, double P95Ms, double P99Ms, double MaxMs, LagSplit Split, CoresUsed Cores);

public sealed record LagSplit(double IngestP50Ms, double IngestP95Ms, double ProjectionP50Ms, double ProjectionP95Ms);

/// <summary>
/// Projection freshness under a steady load: request records produced at a fixed rate to a worker
/// running ingest and the projection daemon (one process, as <c>truecost ingest --with-projections</c>),
/// with a marker request (a tenant of its own) every <see cref="MarkerEvery"/>. A marker's lag is from
/// the moment it is handed to the producer to the first poll of usage_hourly that finds its row
/// (polled every <see cref="PollEvery"/>, so a lag is over-stated by at most that much).
/// </summary>
public static class FreshnessRun
{
    public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MarkerEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// At a paced 10,000 records/s a short linger sends thousands of tiny message sets, and the
    /// in-process mock broker scans a partition's message sets linearly on every fetch: with 5 ms it
    /// used 0.7 cores of the 2 (measured with perf: rd_kafka_mock_msgset_find). 50 ms keeps the
    /// broker's share small; it is counted in the lag like any producer's linger.
    /// </summary>
    public static readonly TimeSpan ProducerLinger = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    public static async Task<FreshnessResult> RunAsync(BenchInfrastructure infra, BenchPlan plan, CancellationToken ct)
    {
        var database = await infra.CreateDatabaseAsync("fresh", ct);
        var prefix = await infra.CreateTopicsAsync("fresh", plan.Partitions, ct);
        var topic = prefix + Topics.RequestLogs;
        var settings = new WorkerSettings(prefix, plan.IngestBatchSize, plan.WriteLanes, Projections: true, plan.ProjectionBatchSize);
        await using var worker = WorkerProcess.Start("freshness", database, infra.Kafka.BootstrapServers, settings);
        using var producer = new RecordProducer(infra.Kafka.BootstrapServers, ProducerLinger);
        await using var db = NpgsqlDataSource.Create(database);
        var pending = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var lags = new ConcurrentQueue<double>();

        // Group join, schema creation and the daemon's start happen before the steady phase.
        pending["bench-warmup"] = Stopwatch.GetTimestamp();
        producer.Produce(topic, MarkerRecords.Create("bench-warmup", "bench-warmup", DateTimeOffset.UtcNow));
        await producer.FlushAsync(ct);
        await UntilSeenAsync(worker, db, pending, new ConcurrentQueue<double>(), TimeSpan.FromMinutes(2), ct);

        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var poller = Task.Run(() => PollAsync(db, pending, lags, stopPolling.Token), ct);
        // Generated before the clock runs, so generating JSON does not compete with the worker for CPU.
        var background = RequestWorkload.Generate((int)(plan.FreshnessRate * plan.FreshnessDuration.TotalSeconds), seed: 7);
        var next = 0;
        var window = new CpuWindow(infra.Cpu, worker);
        var start = Stopwatch.GetTimestamp();
        long sent = 0;
        var markers = 0;
        while (Stopwatch.GetElapsedTime(start) is var elapsed && elapsed < plan.FreshnessDuration)
        {
            var due = (long)(elapsed.TotalSeconds * plan.FreshnessRate);
            for (; sent < due; sent++)
            {
                if (Stopwatch.GetElapsedTime(start) >= markers * MarkerEvery)
                {
                    var tenant = $"bench-lag-{markers++:D5}";
                    pending[tenant] = Stopwatch.GetTimestamp();
                    producer.Produce(topic, MarkerRecords.Create(tenant, tenant, DateTimeOffset.UtcNow));
                }
                else
                {
                    producer.Produce(topic, background[next++ % background.Length]);
                }
            }

            producer.Poll();
            await Task.Delay(Tick, ct);
        }

        var achieved = sent / Stopwatch.GetElapsedTime(start).TotalSeconds;
        await producer.FlushAsync(ct);
        await UntilSeenAsync(worker, db, pending, lags, TimeSpan.FromMinutes(3), ct);
        var cores = window.Stop();
        await stopPolling.CancelAsync();
        await poller;
        var values = lags.ToArray();
        return new FreshnessResult(
            achieved, values.Length, Percentiles.Of(values, 50), Percentiles.Of(values, 95), Percentiles.Of(values, 99), values.Max(), await SplitAsync(db, ct), cores);
    }

    /// <summary>Each marker's produce time (its own timestamp), its event's commit transaction start, and its usage_hourly row's write.</summary>
    private static async Task<LagSplit> SplitAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        var schema = new LedgerOptions().Schema;
        await using var cmd = db.CreateCommand($"""
            with markers as (
                select r.tenant, r.produced::timestamptz as produced, e.timestamp as stored
                from {schema}.mt_events e
                cross join lateral rows from (jsonb_array_elements_text(e.data->'Requests'->'Tenant'), jsonb_array_elements_text(e.data->'Requests'->'Timestamp')) as r(tenant, produced)
                where e.data @> $1::jsonb and r.tenant like 'bench-lag-%'),
            split as (
                select extract(epoch from m.stored - m.produced) * 1000 as ingest, extract(epoch from u.updated_at - m.stored) * 1000 as projection
                from markers m join {LedgerTables.QualifiedName(schema, LedgerTables.UsageHourly)} u on u.tenant = m.tenant)
            select percentile_cont(0.5) within group (order by ingest), percentile_cont(0.95) within group (order by ingest),
                   percentile_cont(0.5) within group (order by projection), percentile_cont(0.95) within group (order by projection)
            from split
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(new { Requests = new { Route = new[] { MarkerRecords.Route } } }) });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new LagSplit(r.GetDouble(0), r.GetDouble(1), r.GetDouble(2), r.GetDouble(3));
    }

    private static async Task UntilSeenAsync(
        WorkerProcess worker, NpgsqlDataSource db, ConcurrentDictionary<string, long> pending, ConcurrentQueue<double> lags, TimeSpan timeout, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        while (!pending.IsEmpty)
        {
            worker.ThrowIfExited("every marker request reached usage_hourly");
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new BenchmarkException($"{pending.Count} marker requests did not reach usage_hourly within {timeout.TotalSeconds:0} s");
            }

            try
            {
                await SeeAsync(db, pending, lags, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // The worker creates the ledger's tables as it starts.
            }

            await Task.Delay(PollEvery, ct);
        }
    }

    private static async Task PollAsync(NpgsqlDataSource db, ConcurrentDictionary<string, long> pending, ConcurrentQueue<double> lags, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await SeeAsync(db, pending, lags, ct);
                await Task.Delay(PollEvery, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The steady phase is over and every marker was seen.
        }
    }

    private static async Task SeeAsync(NpgsqlDataSource db, ConcurrentDictionary<string, long> pending, ConcurrentQueue<double> lags, CancellationToken ct)
    {
        var tenants = pending.Keys.ToArray();
        if (tenants.Length == 0)
        {
            return;
        }

        await using var cmd = db.CreateCommand(
            $"select distinct tenant from {LedgerTables.QualifiedName(new LedgerOptions().Schema, LedgerTables.UsageHourly)} where tenant = any($1)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = tenants });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var seenAt = Stopwatch.GetTimestamp();
        while (await r.ReadAsync(ct))
        {
            if (pending.TryRemove(r.GetString(0), out var producedAt))
            {
                lags.Enqueue(Stopwatch.GetElapsedTime(producedAt, seenAt).TotalMilliseconds);
            }
        }
    }
}
