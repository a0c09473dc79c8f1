using Confluent.Kafka;

namespace TrueCost.Benchmarks.Setup;

/// <summary>
/// One producer for a stage, configured like the demo's (acks=all, lz4, 1 MB batches, delivery
/// reports carrying the status only). Delivery failures are counted; <see cref="FlushAsync"/> fails
/// the stage if any record was not delivered.
/// </summary>
public sealed class RecordProducer : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly Action<DeliveryReport<string, byte[]>> _onDelivery;
    private long _failed;
    private string? _firstError;

    /// <param name="linger">How long a partition's records wait to share one request (Kafka's linger.ms).</param>
    public RecordProducer(string bootstrapServers, TimeSpan linger)
    {
        _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            LingerMs = linger.TotalMilliseconds,
            BatchSize = 1_000_000,
            CompressionType = CompressionType.Lz4,
            ClientId = "truecost-bench",
            DeliveryReportFields = "status",
        }).Build();
        _onDelivery = report =>
        {
            if (report.Error.IsError && Interlocked.Increment(ref _failed) == 1)
            {
                _firstError = report.Error.Reason;
            }
        };
    }

    public long Produced { get; private set; }

    public void Produce(string topic, WireRecord record) => Produce(new TopicPartition(topic, Partition.Any), record.Id, record.Json);

    public void Produce(string topic, int partition, WireRecord record) => Produce(new TopicPartition(topic, partition), record.Id, record.Json);

    public void Produce(string topic, FeedMessage message) => Produce(new TopicPartition(topic, Partition.Any), message.Key, message.Value);

    public void Produce(string topic, int partition, FeedMessage message) => Produce(new TopicPartition(topic, partition), message.Key, message.Value);

    private void Produce(TopicPartition target, string key, byte[] value)
    {
        var message = new Message<string, byte[]> { Key = key, Value = value };
        while (true)
        {
            try
            {
                _producer.Produce(target, message, _onDelivery);
                Produced++;
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(5));
            }
        }
    }

    /// <summary>Sends what librdkafka has queued without waiting for more (a produce timestamp should mean "on its way").</summary>
    public void Poll() => _producer.Poll(TimeSpan.Zero);

    public Task FlushAsync(CancellationToken ct) => Task.Run(
        () =>
        {
            _producer.Flush(ct);
            if (Interlocked.Read(ref _failed) > 0)
            {
                throw new BenchmarkException($"{_failed:N0} records could not be produced to Kafka: {_firstError}");
            }
        },
        ct);

    public void Dispose() => _producer.Dispose();
}
