using TrueCost.DevInfra;

namespace TrueCost.IntegrationTests.Infrastructure;

public class TestcontainersKafkaTests
{
    [SkippableFact]
    public async Task Ten_thousand_messages_round_trip_through_a_Kafka_container()
    {
        var docker = await DockerEngine.ProbeAsync();
        Skip.IfNot(docker.IsAvailable, $"no Docker engine: {docker.Detail}");
        await using var cluster = await KafkaCluster.StartAsync(new KafkaClusterOptions { Backend = KafkaBackend.Testcontainers });
        var topic = $"container-{Guid.NewGuid():N}";
        await cluster.CreateTopicAsync(topic, 6);

        Assert.Equal(KafkaBackend.Testcontainers, cluster.Backend);
        await KafkaRoundTrip.AssertRoundTripAsync(cluster.BootstrapServers, topic, count: 10_000, partitions: 6);
    }
}
