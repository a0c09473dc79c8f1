using TrueCost.Contracts;
using TrueCost.DevInfra;

namespace TrueCost.Cli.Infrastructure;

public static class TopicSetup
{
    /// <summary>
    /// Input topics and their DLQs. The embedded broker keeps only about 5 MiB per partition,
    /// so input topics get enough partitions to hold a demo day while it is consumed.
    /// </summary>
    public static async Task CreateAllAsync(KafkaCluster kafka, int partitions, CancellationToken ct)
    {
        foreach (var topic in Topics.All)
        {
            await kafka.CreateTopicAsync(topic, partitions, ct);
            await kafka.CreateTopicAsync(Topics.DeadLetter(topic), 1, ct);
        }
    }
}
