using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Consumes one topic in its consumer group and hands batches to <see cref="IngestBatchWriter{TRecord}"/>.
/// Offsets live in PostgreSQL: on assignment the consumer seeks to the stored offsets; records
/// buffered for a partition that is revoked are dropped, because the next owner resumes from
/// what was committed (a batch already handed to the writer may still commit: the writer's
/// offset lock and id dedupe make whichever owner commits second skip those records). A batch
/// that fails to store is retried with back-off, never skipped.
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
    private readonly List<ConsumeResult<byte[]?, byte[]?>> _buffer = [];

    // One group per topic: members with different subscriptions in one group would rebalance each other.
    private readonly string _group = options.GroupFor(source.Topic);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // Consuming and storing overlap: while one batch is written, the next one fills. The bound
        // keeps memory flat; when the database falls behind the consumer simply waits.
        var batches = Channel.CreateBounded<ConsumeResult<byte[]?, byte[]?>[]>(
            new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        using var consumer = BuildConsumer();
        consumer.Subscribe(source.Topic);
        logger.LogInformation("Ingesting {Topic} as group {Group} from {Servers}", source.Topic, _group, options.BootstrapServers);
        var writer = Task.Run(() => WriteLoopAsync(consumer, batches.Reader, stoppingToken), CancellationToken.None);
        var lingerStart = DateTime.UtcNow;
        try
        {
            while (!stoppingToken.IsCancellationRequested && !writer.IsCompleted)
            {
                var wait = _buffer.Count == 0 ? TimeSpan.FromMilliseconds(500) : options.BatchLinger - (DateTime.UtcNow - lingerStart);
                var message = wait > TimeSpan.Zero ? Consume(consumer, wait) : null;
                if (message is not null)
                {
                    if (_buffer.Count == 0)
                    {
                        lingerStart = DateTime.UtcNow;
                    }

                    _buffer.Add(message);
                }

                if (_buffer.Count >= options.BatchSize || (_buffer.Count > 0 && DateTime.UtcNow - lingerStart >= options.BatchLinger))
                {
                    var batch = _buffer.ToArray();
                    _buffer.Clear();
                    await batches.Writer.WriteAsync(batch, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("Ingest of {Topic} stopping; uncommitted records will be re-read by the next owner", source.Topic);
        }
        finally
        {
            batches.Writer.TryComplete();
            await StopWriterAsync(writer);
            consumer.Close();
        }
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
        var backoff = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await writer.WriteAsync(batch, ct);
                counters.For(source.Topic).Add(outcome);
                if (outcome.LostToRetention > 0)
                {
                    logger.LogError("{Count} {Topic} records were deleted by the broker (retention) before ingest reached them; raise retention or ingest capacity", outcome.LostToRetention, source.Topic);
                }

                CommitToBroker(consumer, batch);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogError(e, "Storing a batch of {Count} {Topic} records failed (attempt {Attempt}); retrying in {Backoff}", batch.Length, source.Topic, attempt, backoff);
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxRetryBackoff.Ticks));
            }
        }
    }

    /// <summary>Mirrors committed offsets to the broker so standard lag tooling sees progress; PostgreSQL stays authoritative.</summary>
    private void CommitToBroker(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        var next = batch.GroupBy(m => m.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(m => m.Offset.Value) + 1)).ToList();
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
        new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = _group,
            ClientId = $"truecost-ingest-{Environment.ProcessId}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            SessionTimeoutMs = options.SessionTimeoutMs,
            HeartbeatIntervalMs = Math.Max(1000, options.SessionTimeoutMs / 5),
            FetchMaxBytes = 16 * 1024 * 1024,
            QueuedMaxMessagesKbytes = 64 * 1024,
        })
        .SetPartitionsAssignedHandler(OnAssigned)
        .SetPartitionsRevokedHandler((_, revoked) => Drop(revoked.Select(p => p.TopicPartition)))
        .SetPartitionsLostHandler((_, lost) => Drop(lost.Select(p => p.TopicPartition)))
        .SetErrorHandler((_, e) => logger.Log(e.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka client error on {Topic}: {Reason}", source.Topic, e.Reason))
        .Build();

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> assigned)
    {
        var stored = offsets.LoadAsync(_group, source.Topic, CancellationToken.None).GetAwaiter().GetResult();
        logger.LogInformation("Assigned {Topic} partitions {Partitions}", source.Topic, string.Join(",", assigned.Select(p => p.Partition.Value)));
        return assigned.Select(tp => new TopicPartitionOffset(tp, stored.TryGetValue(tp.Partition.Value, out var next) ? new Offset(next) : Offset.Beginning));
    }

    private void Drop(IEnumerable<TopicPartition> partitions)
    {
        var gone = partitions.ToHashSet();
        var dropped = _buffer.RemoveAll(m => gone.Contains(m.TopicPartition));
        if (dropped > 0)
        {
            logger.LogInformation("Dropped {Count} uncommitted {Topic} records of revoked partitions; their next owner re-reads them", dropped, source.Topic);
        }
    }
}
