using TrueCost.Contracts;
using TrueCost.DevInfra;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Cli.Infrastructure;

public static class TopicSetup
{
    /// <summary>
    /// Input topics and their DLQs. The embedded broker keeps only about 5 MiB per partition,
    /// so input topics get enough partitions to hold a demo day while it is consumed. The OTLP topics
    /// are created too, so the Collector's Kafka exporter and the OTLP receiver have somewhere to write, and
    /// LiteLLM's spend topic, for its proxy and <c>truecost import litellm</c>.
    /// </summary>
    public static async Task CreateAllAsync(KafkaCluster kafka, int partitions, IngestOptions ingest, CancellationToken ct)
    {
        foreach (var topic in Topics.All.Concat([ingest.Otlp.SpansTopic, ingest.Otlp.MetricsTopic, ingest.LiteLlm.Topic]))
        {
            await kafka.CreateTopicAsync(topic, partitions, ct);
            await kafka.CreateTopicAsync(Topics.DeadLetter(topic), 1, ct);
        }
    }
}
