using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TrueCost.Contracts;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// A record that cannot be stored, with the reason a person can act on. <paramref name="Record"/> is the
/// refused record's own bytes when the message carries more than one record (an OTLP span); else the
/// message is dead-lettered whole.
/// </summary>
public readonly record struct Rejected(ConsumeResult<byte[]?, byte[]?> Message, string Reason, ReadOnlyMemory<byte>? Record = null);

/// <summary>
/// Writes rejected records verbatim to <c>&lt;topic&gt;.dlq</c> with the reason and source coordinates
/// in headers. The ingest transaction commits only after every DLQ write is acknowledged, so a
/// rejected record is never lost (a crash in between may dead-letter it twice, never zero times).
/// </summary>
public sealed class DeadLetterPublisher : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly ILogger<DeadLetterPublisher> _logger;

    public DeadLetterPublisher(IngestOptions options, ILogger<DeadLetterPublisher> logger)
    {
        _logger = logger;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(options.Client(new ProducerConfig
        {
            Acks = Acks.All,
            LingerMs = 5,
            MessageTimeoutMs = 30_000,
            ClientId = "truecost-ingest-dlq",
        })).Build();
    }

    /// <param name="topic">The topic the records were consumed from (the consumer does not copy it into each record).</param>
    public async Task PublishAsync(string topic, IReadOnlyList<Rejected> rejected, CancellationToken ct)
    {
        if (rejected.Count == 0)
        {
            return;
        }

        var deliveries = rejected.Select(r => _producer.ProduceAsync(Topics.DeadLetter(topic), ToDeadLetter(topic, r), ct));
        await Task.WhenAll(deliveries);
        foreach (var r in rejected)
        {
            _logger.LogWarning("Dead-lettered {Topic} {Partition} {Offset}: {Reason}", topic, r.Message.Partition.Value, r.Message.Offset.Value, r.Reason);
        }
    }

    private static Message<byte[]?, byte[]?> ToDeadLetter(string topic, Rejected r) => new()
    {
        Key = r.Message.Message.Key,
        Value = r.Record is { } record ? record.ToArray() : r.Message.Message.Value,
        Headers = new Headers
        {
            { DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(r.Reason) },
            { DeadLetterHeaders.SourceTopic, Encoding.UTF8.GetBytes(topic) },
            { DeadLetterHeaders.SourcePartition, Encoding.UTF8.GetBytes(r.Message.Partition.Value.ToString(CultureInfo.InvariantCulture)) },
            { DeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes(r.Message.Offset.Value.ToString(CultureInfo.InvariantCulture)) },
        },
    };

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
