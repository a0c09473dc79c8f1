using TrueCost.Contracts;
using TrueCost.DevInfra;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Cli.Infrastructure;

public static class TopicSetup
{
    /// <summary>
    /// Input topics and their DLQs. The embedded broker keeps only about 5 MiB per partition,
    /// so input topics get enough partitions to hold a demo day while it is consumed. The OTLP topics
    /// are created too, so the Collector's Kafka exporter and the OTLP receiver have somewhere to write.
    /// </summary>
    public static async Task CreateAllAsync(KafkaCluster kafka, int partitions, OtlpIngestOptions otlp, CancellationToken ct)
    {
        foreach (var topic in Topics.All.Concat([otlp.SpansTopic, otlp.MetricsTopic]))
        {
            await kafka.CreateTopicAsync(topic, partitions, ct);
            await kafka.CreateTopicAsync(Topics.DeadLetter(topic), 1, ct);
        }
    }
}
