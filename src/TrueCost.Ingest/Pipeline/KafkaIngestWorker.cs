using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Observability;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Consumes one topic in its consumer group and hands batches to <see cref="IngestBatchWriter{TRecord}"/>.
/// Offsets live in PostgreSQL: on assignment the consumer seeks to the stored offsets; records
/// buffered for a partition that is revoked are dropped, because the next owner resumes from
/// what was committed (a batch already handed to the writer may still commit: the writer's
/// offset lock and id dedupe make whichever owner commits second skip those records). The
/// partitions are shared out over <see cref="IngestOptions.WriteLanes"/> lanes that store their
/// batches concurrently; a partition always belongs to one lane, so its records stay in order.
/// A batch that fails to store is retried with back-off, never skipped.
/// </summary>
public sealed class KafkaIngestWorker<TRecord>(
    IIngestSource<TRecord> source,
    IngestBatchWriter<TRecord> writer,
    OffsetStore offsets,
    IngestOptions options,
    IngestCounters counters,
    ILogger<KafkaIngestWorker<TRecord>> logger) : BackgroundService
    where TRecord : class
{
    // One group per topic: members with different subscriptions in one group would rebalance each other.
    private readonly string _group = options.GroupFor(source.Topic);

    /// <summary>How long the rebalance callback waits for PostgreSQL before it falls back to the broker's offsets.</summary>
    private static readonly TimeSpan OffsetLoadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long asking the broker for a partition's log start may take before the batch is retried.</summary>
    private static readonly TimeSpan WatermarkTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often a batch waiting for its busy writer is offered again.</summary>
    private static readonly TimeSpan WaitingPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>The first wait before a failed store is retried.</summary>
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);

    /// <summary>How often the consumer's cached high watermarks are copied into <see cref="_lag"/>.</summary>
    private static readonly TimeSpan LagSampling = TimeSpan.FromSeconds(5);

    private readonly ConsumerLag _lag = new(source.Topic);

    private readonly WriteLane[] _lanes = [.. Enumerable.Range(0, options.WriteLanes).Select(_ => new WriteLane())];

    /// <summary>Set by the assignment callback (on the consuming thread) until the loop has resumed or paused the new partitions.</summary>
    private bool _newlyAssigned;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var consumer = BuildConsumer();
        using var lag = IngestMetrics.ConsumerLag.Add(_lag.Observe);
        IngestMetrics.Start(source.Topic);
        var sampled = Stopwatch.StartNew();
        consumer.Subscribe(source.Topic);
        logger.LogInformation("Ingesting {Topic} as group {Group} from {Servers} with {Lanes} write lanes", source.Topic, _group, options.BootstrapServers, _lanes.Length);
        var writers = _lanes.Select(lane => Task.Run(() => WriteLoopAsync(consumer, lane.Batches.Reader, stoppingToken), CancellationToken.None)).ToArray();
        try
        {
            while (!stoppingToken.IsCancellationRequested && !writers.Any(w => w.IsCompleted))
            {
                var message = Consume(consumer, NextWait());
                if (message is not null)
                {
                    IngestMetrics.Consumed.Add(1, IngestMetrics.Topic(source.Topic));
                    _lanes[message.Partition.Value % _lanes.Length].Add(message);
                }

                if (sampled.Elapsed >= LagSampling)
                {
                    SampleHighWatermarks(consumer);
                    sampled.Restart();
                }

                for (var lane = 0; lane < _lanes.Length; lane++)
                {
                    HandOver(consumer, lane);
                }

                ResumeNewlyAssigned(consumer);
            }

            logger.LogInformation("Ingest of {Topic} stopping; uncommitted records will be re-read by the next owner", source.Topic);
        }
        finally
        {
            foreach (var lane in _lanes)
            {
                lane.Batches.Writer.TryComplete();
            }

            foreach (var writer in writers)
            {
                await StopWriterAsync(writer);
            }

            consumer.Close();
        }
    }

    /// <summary>
    /// Hands a lane's due batch to its writer. When the writer is still busy with earlier ones
    /// (PostgreSQL slow or down), the batch waits here and the lane's partitions are paused rather
    /// than the consumer blocked: polling goes on, so heartbeats, rebalances and the stored-offset
    /// fallback keep working through a database outage, and memory stays bounded.
    /// </summary>
    private void HandOver(IConsumer<byte[]?, byte[]?> consumer, int index)
    {
        var lane = _lanes[index];
        if (lane.Waiting is null && lane.IsDue(options))
        {
            lane.Waiting = lane.Take();
        }

        if (lane.Waiting is null)
        {
            return;
        }

        if (lane.Batches.Writer.TryWrite(lane.Waiting))
        {
            lane.Waiting = null;
            if (lane.IsPaused)
            {
                Resume(consumer, index);
            }

            return;
        }

        if (!lane.IsPaused || _newlyAssigned)
        {
            consumer.Pause(LanePartitions(consumer, index));
            lane.IsPaused = true;
        }
    }

    /// <summary>
    /// librdkafka keeps a partition's pause across a revoke and a re-assignment, so partitions that
    /// come (back) to a lane without a waiting batch are resumed explicitly.
    /// </summary>
    private void ResumeNewlyAssigned(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (!_newlyAssigned)
        {
            return;
        }

        for (var lane = 0; lane < _lanes.Length; lane++)
        {
            if (_lanes[lane].Waiting is null)
            {
                Resume(consumer, lane);
            }
        }

        _newlyAssigned = false;
    }

    private void Resume(IConsumer<byte[]?, byte[]?> consumer, int index)
    {
        consumer.Resume(LanePartitions(consumer, index));
        _lanes[index].IsPaused = false;
    }

    private List<TopicPartition> LanePartitions(IConsumer<byte[]?, byte[]?> consumer, int index) =>
        [.. consumer.Assignment.Where(tp => tp.Partition.Value % _lanes.Length == index)];

    /// <summary>How long the next poll may wait: until the oldest partial batch is due, briefly while a batch waits for its writer, else half a second.</summary>
    private TimeSpan NextWait()
    {
        if (_lanes.Any(l => l.Waiting is not null))
        {
            return WaitingPoll;
        }

        var waiting = _lanes.Where(l => l.Count > 0).Select(l => options.BatchLinger - l.Age).DefaultIfEmpty(TimeSpan.FromMilliseconds(500)).Min();
        return waiting > TimeSpan.Zero ? waiting : TimeSpan.Zero;
    }

    private async Task WriteLoopAsync(IConsumer<byte[]?, byte[]?> consumer, ChannelReader<ConsumeResult<byte[]?, byte[]?>[]> batches, CancellationToken ct)
    {
        await foreach (var batch in batches.ReadAllAsync(ct))
        {
            await FlushAsync(consumer, batch, ct);
        }
    }

    private async Task StopWriterAsync(Task writer)
    {
        try
        {
            await writer;
        }
        catch (OperationCanceledException)
        {
            logger.LogDebug("Writer of {Topic} cancelled with a batch in flight; it was not committed", source.Topic);
        }
    }

    private ConsumeResult<byte[]?, byte[]?>? Consume(IConsumer<byte[]?, byte[]?> consumer, TimeSpan wait)
    {
        try
        {
            return consumer.Consume(wait);
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            logger.LogWarning("Consume from {Topic} failed, retrying: {Reason}", source.Topic, e.Error.Reason);
            return null;
        }
    }

    private async Task FlushAsync(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?>[] batch, CancellationToken ct)
    {
        using var activity = TrueCostTelemetry.Source.StartActivity("ingest batch");
        activity?.SetTag("messaging.destination.name", source.Topic);
        activity?.SetTag("messaging.batch.message_count", batch.Length);
        var started = Stopwatch.GetTimestamp();
        await StoreAsync(batch, partition => LogStart(consumer, partition), ct);
        IngestMetrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, IngestMetrics.Topic(source.Topic));
        foreach (var partition in batch.GroupBy(m => m.Partition.Value))
        {
            _lag.Stored(partition.Key, partition.Max(m => m.Offset.Value) + 1);
        }

        CommitToBroker(consumer, batch);
    }

    /// <summary>The high watermarks the consumer cached from its last fetches (no broker round trip).</summary>
    private void SampleHighWatermarks(IConsumer<byte[]?, byte[]?> consumer)
    {
        foreach (var partition in consumer.Assignment)
        {
            _lag.HighWatermark(partition.Partition.Value, consumer.GetWatermarkOffsets(partition).High.Value);
        }
    }

    /// <summary>
    /// Stores a batch, retrying failures with backoff. When PostgreSQL refuses the batch because of
    /// what a record holds (<see cref="StorageRefusal"/>), retrying would stall the topic forever, so
    /// the batch is stored in halves, in order, until the one record it refuses is dead-lettered alone.
    /// </summary>
    private async Task StoreAsync(ConsumeResult<byte[]?, byte[]?>[] batch, Func<int, long> logStart, CancellationToken ct)
    {
        try
        {
            var outcome = await RetryAsync(() => writer.WriteAsync(batch, logStart, ct), refusalsPassOn: true, $"Storing a batch of {batch.Length} {source.Topic} records", ct);
            counters.For(source.Topic).Add(outcome);
            if (outcome.LostToRetention > 0)
            {
                logger.LogError("{Count} {Topic} records were deleted by the broker (retention) before ingest reached them; raise retention or ingest capacity", outcome.LostToRetention, source.Topic);
            }
        }
        catch (Exception e) when (StorageRefusal.In(e) is { } refusal)
        {
            if (batch.Length == 1)
            {
                var message = batch[0];
                counters.For(source.Topic).Add(await RetryAsync(
                    () => writer.RefuseAsync(message, $"PostgreSQL refused to store the record: {refusal}", logStart, ct),
                    refusalsPassOn: false,
                    $"Dead-lettering the {source.Topic} record at {message.Partition.Value}/{message.Offset.Value}",
                    ct));
                return;
            }

            logger.LogWarning("PostgreSQL refused a batch of {Count} {Topic} records ({Reason}); storing it in halves to find the record", batch.Length, source.Topic, refusal);
            await StoreAsync(batch[..(batch.Length / 2)], logStart, ct);
            await StoreAsync(batch[(batch.Length / 2)..], logStart, ct);
        }
    }

    /// <summary>
    /// Runs one storing step until it succeeds, waiting twice as long after each failure, up to
    /// <see cref="IngestOptions.MaxRetryBackoff"/>. With <paramref name="refusalsPassOn"/>, a refusal
    /// is thrown on to the caller instead of retried.
    /// </summary>
    private async Task<BatchOutcome> RetryAsync(Func<Task<BatchOutcome>> step, bool refusalsPassOn, string what, CancellationToken ct)
    {
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step();
            }
            catch (Exception e) when ((e is not OperationCanceledException || !ct.IsCancellationRequested) && !(refusalsPassOn && StorageRefusal.In(e) is not null))
            {
                counters.For(source.Topic).CountFailure(e);
                logger.LogError(e, "{What} failed (attempt {Attempt}); retrying in {Backoff}", what, attempt, backoff);
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxRetryBackoff.Ticks));
            }
        }
    }

    /// <summary>Mirrors committed offsets to the broker so standard lag tooling sees progress; PostgreSQL stays authoritative.</summary>
    /// <summary>The partition's log start offset as the broker reports it now (a ListOffsets request).</summary>
    private long LogStart(IConsumer<byte[]?, byte[]?> consumer, int partition) =>
        consumer.QueryWatermarkOffsets(new TopicPartition(source.Topic, partition), WatermarkTimeout).Low.Value;

    private void CommitToBroker(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        var next = batch.GroupBy(m => m.Partition.Value).Select(g => new TopicPartitionOffset(source.Topic, g.Key, g.Max(m => m.Offset.Value) + 1)).ToList();
        try
        {
            consumer.Commit(next);
        }
        catch (KafkaException e)
        {
            logger.LogDebug("Broker offset commit for {Topic} skipped: {Reason}", source.Topic, e.Error.Reason);
        }
    }

    private IConsumer<byte[]?, byte[]?> BuildConsumer() =>
        new ConsumerBuilder<byte[]?, byte[]?>(options.Client(new ConsumerConfig
        {
            GroupId = _group,
            ClientId = $"truecost-ingest-{Environment.ProcessId}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,

            // Records of aborted transactions are never ingested (librdkafka's default, stated because exactly-once depends on it).
            IsolationLevel = IsolationLevel.ReadCommitted,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            SessionTimeoutMs = options.SessionTimeoutMs,
            HeartbeatIntervalMs = Math.Max(1000, options.SessionTimeoutMs / 5),
            FetchMaxBytes = 16 * 1024 * 1024,
            QueuedMaxMessagesKbytes = 64 * 1024,
            // One topic per consumer, and neither timestamps nor headers are read: without this the
            // client allocates the topic name and a header list for every record.
            ConsumeResultFields = "none",
        }))
        .SetPartitionsAssignedHandler(OnAssigned)
        .SetPartitionsRevokedHandler((_, revoked) => Drop(revoked.Select(p => p.TopicPartition)))
        .SetPartitionsLostHandler((_, lost) => Drop(lost.Select(p => p.TopicPartition)))
        .SetErrorHandler((_, e) => logger.Log(e.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka client error on {Topic}: {Reason}", source.Topic, e.Reason))
        .Build();

    /// <summary>
    /// Seeks to the offsets stored in PostgreSQL. When PostgreSQL cannot be reached, it falls back to
    /// the offsets mirrored to the broker: they trail PostgreSQL's (a batch is mirrored only after it
    /// commits), and the writer skips every record below the offsets it locks, so re-reading a few
    /// batches costs time, never a duplicate.
    /// </summary>
    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> assigned)
    {
        logger.LogInformation("Assigned {Topic} partitions {Partitions}", source.Topic, string.Join(",", assigned.Select(p => p.Partition.Value)));
        _newlyAssigned = true;
        IReadOnlyDictionary<int, long> stored;
        try
        {
            using var timeout = new CancellationTokenSource(OffsetLoadTimeout);
            stored = offsets.LoadAsync(_group, source.Topic, timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            counters.For(source.Topic).CountResumedFromBroker();
            logger.LogWarning("Stored offsets of {Topic} could not be read ({Reason}); resuming from the broker's committed offsets, and records already stored will be skipped", source.Topic, e.Message);
            foreach (var tp in assigned)
            {
                _lag.Assigned(tp.Partition.Value, storedOffset: null);
            }

            return assigned.Select(tp => new TopicPartitionOffset(tp, Offset.Stored));
        }

        foreach (var tp in assigned)
        {
            _lag.Assigned(tp.Partition.Value, stored.TryGetValue(tp.Partition.Value, out var next) ? next : null);
        }

        return assigned.Select(tp => new TopicPartitionOffset(tp, stored.TryGetValue(tp.Partition.Value, out var next) ? new Offset(next) : Offset.Beginning));
    }

    private void Drop(IEnumerable<TopicPartition> partitions)
    {
        var gone = partitions.Where(p => p.Topic == source.Topic).Select(p => p.Partition.Value).ToHashSet();
        _lag.Revoked(gone);
        var dropped = _lanes.Sum(l => l.Drop(gone));
        if (dropped > 0)
        {
            logger.LogInformation("Dropped {Count} uncommitted {Topic} records of revoked partitions; their next owner re-reads them", dropped, source.Topic);
        }
    }

    /// <summary>
    /// The partitions whose number modulo the lane count is this lane's: their records are batched
    /// and stored in order, while other lanes' batches are parsed and stored alongside.
    /// </summary>
    private sealed class WriteLane
    {
        private readonly List<ConsumeResult<byte[]?, byte[]?>> _buffer = [];
        private long _firstAt;

        /// <summary>
        /// Consuming and storing overlap: while one batch is written, the next one fills. The bound
        /// keeps memory flat; when the database falls behind, the lane's partitions are paused.
        /// </summary>
        public Channel<ConsumeResult<byte[]?, byte[]?>[]> Batches { get; } = Channel.CreateBounded<ConsumeResult<byte[]?, byte[]?>[]>(
            new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public int Count => _buffer.Count;

        /// <summary>A due batch its writer could not take yet.</summary>
        public ConsumeResult<byte[]?, byte[]?>[]? Waiting { get; set; }

        /// <summary>True while this lane's partitions are paused because <see cref="Waiting"/> is set.</summary>
        public bool IsPaused { get; set; }

        public TimeSpan Age => Stopwatch.GetElapsedTime(_firstAt);

        public void Add(ConsumeResult<byte[]?, byte[]?> message)
        {
            if (_buffer.Count == 0)
            {
                _firstAt = Stopwatch.GetTimestamp();
            }

            _buffer.Add(message);
        }

        public bool IsDue(IngestOptions options) =>
            _buffer.Count >= options.BatchSize || (_buffer.Count > 0 && Age >= options.BatchLinger);

        public ConsumeResult<byte[]?, byte[]?>[] Take()
        {
            var batch = _buffer.ToArray();
            _buffer.Clear();
            return batch;
        }

        public int Drop(HashSet<int> gone) => _buffer.RemoveAll(m => gone.Contains(m.Partition.Value));
    }
}
