using System.Diagnostics;
using Npgsql;
using TrueCost.Benchmarks.Measurement;
using TrueCost.Benchmarks.Setup;
using TrueCost.Contracts;
using TrueCost.Ingest.Pipeline;
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

/// <summary>The OTLP end-to-end stage: its ingest figures (records are spans) and the messages that carried them.</summary>
public sealed record OtlpIngestResult(IngestResult Ingest, int Messages, long Bytes)
{
    public double SpansPerMessage => (double)Ingest.Records / Messages;

    public double BytesPerSpan => (double)Bytes / Ingest.Records;
}

/// <summary>
/// What an end-to-end stage feeds the worker, on which input topic (without prefix): the measured messages,
/// warm-up messages of other ids, and a one-record marker message per id for joining the group.
/// </summary>
public sealed record IngestFeed(string Stage, string Topic, IReadOnlyList<FeedMessage> Messages, IReadOnlyList<FeedMessage> WarmUp, Func<string, FeedMessage> Marker)
{
    public int Records => Messages.Sum(m => m.Records);

    public long Bytes => Messages.Sum(m => (long)m.Value.Length);

    /// <summary>Request-log records as JSON on the native topic, one record per message.</summary>
    public static IngestFeed Native(IReadOnlyList<WireRecord> records, int warmUp) => new(
        "e2e",
        Topics.RequestLogs,
        [.. records.Select(FeedMessage.Of)],
        [.. RequestWorkload.Generate(warmUp, seed: 7).Select(FeedMessage.Of)],
        id => FeedMessage.Of(MarkerRecords.Create(id, "bench-warmup", RequestWorkload.Day)));

    /// <summary>The same records as GenAI spans in OTLP trace exports (otlp_proto) on the OTLP span topic.</summary>
    public static IngestFeed Otlp(IReadOnlyList<WireRecord> records, int warmUp) => new(
        "otlp",
        new IngestOptions().Otlp.SpansTopic,
        OtlpExports.Encode(records),
        OtlpExports.Encode(RequestWorkload.Generate(warmUp, seed: 7)),
        id => OtlpExports.Marker(id, RequestWorkload.Day));
}

/// <summary>
/// End-to-end ingest: messages produced to the broker while the worker(s) (processes of their own,
/// ingest role only, one consumer group) consume them, until every record is stored as an event with its offsets committed. The
/// producer stays at most <see cref="Window"/> records ahead of what is stored, because the embedded
/// broker keeps only about 5 MiB per partition.
/// </summary>
public static class IngestRun
{
    private const int Window = 60_000;
    private static readonly int[] Checkpoints = [25, 50, 75, 100];

    public static async Task<IngestResult> RunAsync(BenchInfrastructure infra, BenchPlan plan, IngestFeed feed, CancellationToken ct)
    {
        var database = await infra.CreateDatabaseAsync(feed.Stage, ct);
        var prefix = await infra.CreateTopicsAsync(feed.Stage, plan.Partitions, ct);
        var topic = prefix + feed.Topic;
        var settings = new WorkerSettings(prefix, plan.IngestBatchSize, plan.WriteLanes, Projections: false, ProjectionBatchSize: null, feed.Topic);
        await using var workers = WorkerGroup.Start(plan.Workers, feed.Stage, database, infra.Kafka.BootstrapServers, settings);
        using var producer = new RecordProducer(infra.Kafka.BootstrapServers, TimeSpan.FromMilliseconds(5));
        var sent = new Sent();
        await JoinAsync(workers, producer, topic, plan.Partitions, feed, sent, ct);
        var begin = await WarmUpAsync(workers, producer, topic, feed.WarmUp, sent, ct);
        var (_, warmUpEvents) = await StoredAsync(database, topic, ct);
        var count = feed.Records;

        var memory = new List<MemoryCheckpoint>();
        workers.Reported += stats =>
        {
            lock (memory)
            {
                var done = (stats.Stored - begin.Stored) * 100.0 / count;
                while (memory.Count < Checkpoints.Length && done >= Checkpoints[memory.Count])
                {
                    memory.Add(new MemoryCheckpoint(Checkpoints[memory.Count], stats.WorkingSet / 1048576.0, stats.GcHeap / 1048576.0));
                }
            }
        };

        var window = new CpuWindow(infra.Cpu, workers);
        var start = Stopwatch.GetTimestamp();
        var produce = Task.Run(() => ProduceAhead(producer, topic, feed.Messages, sent, workers), ct);
        var end = await workers.WaitUntilAsync(s => s.Processed >= begin.Processed + count, TimeSpan.FromMinutes(2), $"{count:N0} records stored", ct);
        var cores = window.Stop();
        await produce;
        await producer.FlushAsync(ct);

        if (end.LostToRetention > 0)
        {
            throw new BenchmarkException($"{end.LostToRetention:N0} records were evicted by the broker before ingest read them; the figures would be wrong");
        }

        if (end.Stored - begin.Stored != end.Processed - begin.Processed)
        {
            throw new BenchmarkException($"of {count:N0} records, {end.Processed - begin.Processed - (end.Stored - begin.Stored):N0} were not stored (dead-lettered, ignored or duplicates); see the worker's output");
        }

        var seconds = Stopwatch.GetElapsedTime(start, end.At).TotalSeconds;
        var (offsets, events) = await StoredAsync(database, topic, ct);
        if (offsets != sent.Messages)
        {
            throw new BenchmarkException($"committed offsets cover {offsets:N0} messages, expected {sent.Messages:N0}");
        }

        lock (memory)
        {
            // The last report may be read here before the handler has seen it.
            while (memory.Count < Checkpoints.Length)
            {
                memory.Add(new MemoryCheckpoint(Checkpoints[memory.Count], end.WorkingSet / 1048576.0, end.GcHeap / 1048576.0));
            }

            return new IngestResult(
                count, plan.Workers, seconds, cores, [.. memory], workers.PeakWorkingSet / 1048576.0, events - warmUpEvents, end.Batches - begin.Batches, begin.Stored, database);
        }
    }

    /// <summary>
    /// Consumer group joins, schema creation and first commits happen before the clock runs: marker
    /// messages go to every partition, round after round, until every worker has stored some (so
    /// every worker holds partitions and the group has stopped rebalancing) and all are stored.
    /// </summary>
    private static async Task JoinAsync(WorkerGroup workers, RecordProducer producer, string topic, int partitions, IngestFeed feed, Sent sent, CancellationToken ct)
    {
        for (var round = 0; ; round++)
        {
            for (var p = 0; p < partitions; p++)
            {
                var marker = feed.Marker($"bench-warmup-{round}-{p}");
                producer.Produce(topic, p, marker);
                sent.Add(marker);
            }

            await producer.FlushAsync(ct);
            var produced = sent.Records;
            await workers.WaitUntilAsync(s => s.Stored >= produced, TimeSpan.FromMinutes(2), "the warm-up records", ct);
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
    private static async Task<WorkerStats> WarmUpAsync(WorkerGroup workers, RecordProducer producer, string topic, IReadOnlyList<FeedMessage> warmUp, Sent sent, CancellationToken ct)
    {
        var target = workers.Latest.Stored + warmUp.Sum(m => m.Records);
        await Task.Run(() => ProduceAhead(producer, topic, warmUp, sent, workers), ct);
        await producer.FlushAsync(ct);
        return await workers.WaitUntilAsync(s => s.Stored >= target, TimeSpan.FromMinutes(2), $"{warmUp.Sum(m => m.Records):N0} warm-up records stored", ct);
    }

    private static void ProduceAhead(RecordProducer producer, string topic, IReadOnlyList<FeedMessage> messages, Sent sent, WorkerGroup workers)
    {
        foreach (var message in messages)
        {
            while (sent.Records - workers.Latest.Stored > Window)
            {
                producer.Poll();
                Thread.Sleep(1);
            }

            producer.Produce(topic, message);
            sent.Add(message);
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

    /// <summary>Messages and records handed to the producer so far in a stage.</summary>
    private sealed class Sent
    {
        public long Messages { get; private set; }

        public long Records { get; private set; }

        public void Add(FeedMessage message)
        {
            Messages++;
            Records += message.Records;
        }
    }
}
