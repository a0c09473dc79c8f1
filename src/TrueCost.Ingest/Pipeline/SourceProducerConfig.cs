using Confluent.Kafka;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// The producer settings of every command that feeds an input topic (FOCUS import, metrics scrape): acks from
/// all in-sync replicas, idempotent so a retried batch is stored once, and an unreachable broker failing the
/// delivery within a minute instead of librdkafka's five.
/// </summary>
public static class SourceProducerConfig
{
    public static ProducerConfig Create(IngestOptions kafka, string clientId, int lingerMs) => kafka.Client(new ProducerConfig
    {
        ClientId = clientId,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = lingerMs,
        MessageTimeoutMs = 60_000,
    });
}
