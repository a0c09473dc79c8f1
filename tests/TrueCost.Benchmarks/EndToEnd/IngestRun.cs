using System.Diagnostics;
using Npgsql;
using TrueCost.Benchmarks.Measurement;
using TrueCost.Benchmarks.Setup;
using TrueCost.Contracts;
using TrueCost.Ledger.Storage;

namespace TrueCost.Benchmarks.EndToEnd;

/// <summary>Worker memory when a share of the records had been stored.</summary>
public sealed record MemoryCheckpoint(int Percent, double WorkingSetMb, double GcHeapMb);

public sealed record IngestResult(
    int Records,
    int Workers,
    double Seconds,
    CoresUsed Cores,
    IReadOnlyList<MemoryCheckpoint> Memory,
    double PeakWorkingSetMb,
    long Events,
    long Transactions,
    long WarmUpRecords,
    string ConnectionString)
{
    public double RecordsPerSecond => Records / Seconds;

    public double RecordsPerEvent => (double)Records / Events;

    public double RecordsPerTransaction => (double)Records / Transactions;

    /// <summary>Flat: the working set at 100% is within 20% of the one at 25% (a leak grows with every batch).</summary>
    public bool MemoryFlat => Memory[^1].WorkingSetMb <= Memory[0].WorkingSetMb * 1.2;
}

/// <summary>
/// End-to-end ingest: records produced to the broker while the worker(s) (processes of their own,
/// ingest role only, one consumer group) consume them, until every record is stored as an event with its offsets committed. The
/// producer stays at most <see cref="Window"/> records ahead of what is stored, because the embedded
/// broker keeps only about 5 MiB per partition.
/// </summary>
public static class IngestRun
{
    private const int Window = 60_000;
    private static readonly int[] Checkpoints = [25, 50, 75, 100];

    public static async Task<IngestResult> RunAsync(BenchInfrastructure infra, BenchPlan plan, IReadOnlyList<WireRecord> records, CancellationToken ct)
    {
        var database = await infra.CreateDatabaseAsync("e2e", ct);
        var prefix = await infra.CreateTopicsAsync("e2e", plan.Partitions, ct);
        var topic = prefix + Topics.RequestLogs;
        var settings = new WorkerSettings(prefix, plan.IngestBatchSize, plan.WriteLanes, Projections: false, ProjectionBatchSize: null);
        await using var workers = WorkerGroup.Start(plan.Workers, "e2e", database, infra.Kafka.BootstrapServers, settings);
        using var producer = new RecordProducer(infra.Kafka.BootstrapServers, TimeSpan.FromMilliseconds(5));
        await JoinAsync(workers, producer, topic, plan.Partitions, ct);
        var begin = await WarmUpAsync(workers, producer, topic, plan.WarmUpRecords, ct);
        var (_, warmUpEvents) = await StoredAsync(database, topic, ct);

        var memory = new List<MemoryCheckpoint>();
        workers.Reported += stats =>
        {
            lock (memory)
            {
                var done = (stats.Stored - begin.Stored) * 100.0 / records.Count;
                while (memory.Count < Checkpoints.Length && done >= Checkpoints[memory.Count])
                {
                    memory.Add(new MemoryCheckpoint(Checkpoints[memory.Count], stats.WorkingSet / 1048576.0, stats.GcHeap / 1048576.0));
                }
            }
        };

        var window = new CpuWindow(infra.Cpu, workers);
        var start = Stopwatch.GetTimestamp();
        var produce = Task.Run(() => ProduceAhead(producer, topic, records, workers), ct);
        var end = await workers.WaitUntilAsync(s => s.Stored >= begin.Stored + records.Count, TimeSpan.FromMinutes(2), $"{records.Count:N0} records stored", ct);
        var cores = window.Stop();
        await produce;
        await producer.FlushAsync(ct);

        if (end.LostToRetention > 0)
        {
            throw new BenchmarkException($"{end.LostToRetention:N0} records were evicted by the broker before ingest read them; the figures would be wrong");
        }

        var seconds = Stopwatch.GetElapsedTime(start, end.At).TotalSeconds;
        var (offsets, events) = await StoredAsync(database, topic, ct);
        if (offsets != records.Count + begin.Stored)
        {
            throw new BenchmarkException($"committed offsets cover {offsets:N0} records, expected {records.Count + begin.Stored:N0}");
        }

        lock (memory)
        {
            // The last report may be read here before the handler has seen it.
            while (memory.Count < Checkpoints.Length)
            {
                memory.Add(new MemoryCheckpoint(Checkpoints[memory.Count], end.WorkingSet / 1048576.0, end.GcHeap / 1048576.0));
            }

            return new IngestResult(
                records.Count, plan.Workers, seconds, cores, [.. memory], workers.PeakWorkingSet / 1048576.0, events - warmUpEvents, end.Batches - begin.Batches, begin.Stored, database);
        }
    }

    /// <summary>
    /// Consumer group joins, schema creation and first commits happen before the clock runs: marker
    /// records go to every partition, round after round, until every worker has stored some (so
    /// every worker holds partitions and the group has stopped rebalancing) and all are stored.
    /// </summary>
    private static async Task JoinAsync(WorkerGroup workers, RecordProducer producer, string topic, int partitions, CancellationToken ct)
    {
        for (var round = 0; ; round++)
        {
            for (var p = 0; p < partitions; p++)
            {
                var id = $"bench-warmup-{round}-{p}";
                producer.Produce(topic, p, MarkerRecords.Create(id, "bench-warmup", RequestWorkload.Day));
            }

            await producer.FlushAsync(ct);
            var produced = producer.Produced;
            var stored = await workers.WaitUntilAsync(s => s.Stored >= produced, TimeSpan.FromMinutes(2), "the warm-up records", ct);
            if (workers.Workers.All(w => w.Latest.Stored > 0))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>
    /// The runtime compiles the hot path twice more after its first calls (tiered JIT with dynamic
    /// PGO); in a short run that compilation is a third of the worker's CPU. A long-running worker
    /// pays it once, so records of a workload of their own (other ids) go through first, off the clock.
    /// </summary>
    private static async Task<WorkerStats> WarmUpAsync(WorkerGroup workers, RecordProducer producer, string topic, int count, CancellationToken ct)
    {
        var target = workers.Latest.Stored + count;
        var warmUp = RequestWorkload.Generate(count, seed: 7);
        await Task.Run(() => ProduceAhead(producer, topic, warmUp, workers), ct);
        await producer.FlushAsync(ct);
        return await workers.WaitUntilAsync(s => s.Stored >= target, TimeSpan.FromMinutes(2), $"{count:N0} warm-up records stored", ct);
    }

    private static void ProduceAhead(RecordProducer producer, string topic, IReadOnlyList<WireRecord> records, WorkerGroup workers)
    {
        foreach (var record in records)
        {
            while (producer.Produced - workers.Latest.Stored > Window)
            {
                producer.Poll();
                Thread.Sleep(1);
            }

            producer.Produce(topic, record);
        }
    }

    private static async Task<(long Offsets, long Events)> StoredAsync(string database, string topic, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(database);
        await conn.OpenAsync(ct);
        var schema = new LedgerOptions().Schema;
        await using var cmd = new NpgsqlCommand(
            $"select (select coalesce(sum(next_offset), 0)::bigint from {LedgerTables.QualifiedName(schema, LedgerTables.KafkaOffsets)} where topic = $1), (select count(*) from {schema}.mt_events)",
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = topic });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetInt64(0), r.GetInt64(1));
    }
}
