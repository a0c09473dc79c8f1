using System.Net;
using System.Net.Sockets;
using TrueCost.DevInfra;

namespace TrueCost.IntegrationTests.Infrastructure;

[Collection("infrastructure")]
public class KafkaClusterTests(InfrastructureFixture infra)
{
    [Fact]
    public async Task Ten_thousand_messages_round_trip_through_a_six_partition_topic()
    {
        var topic = await infra.NewTopicAsync("round-trip", partitions: 6);

        await KafkaRoundTrip.AssertRoundTripAsync(infra.Kafka.BootstrapServers, topic, count: 10_000, partitions: 6);
    }

    [Fact]
    public async Task Creating_an_existing_topic_again_is_harmless()
    {
        var topic = await infra.NewTopicAsync("twice", partitions: 2);

        await infra.Kafka.CreateTopicAsync(topic, 2);

        await KafkaRoundTrip.AssertRoundTripAsync(infra.Kafka.BootstrapServers, topic, count: 100, partitions: 2);
    }

    [Fact]
    public void Fault_injection_is_offered_exactly_on_the_mock() =>
        Assert.Equal(infra.Kafka.Backend == KafkaBackend.Mock, infra.Kafka.Faults is not null);

    [Fact]
    public async Task A_fixed_bootstrap_port_alone_is_enough_to_produce_and_consume()
    {
        var port = FreePort();
        await using var cluster = await KafkaCluster.StartAsync(new KafkaClusterOptions { Backend = KafkaBackend.Mock, FixedBootstrapPort = port });
        var forwarded = $"127.0.0.1:{port}";
        var topic = $"forwarded-{Guid.NewGuid():N}";
        await cluster.CreateTopicAsync(topic, 3);

        Assert.StartsWith(forwarded + ",", cluster.BootstrapServers, StringComparison.Ordinal);
        await KafkaRoundTrip.AssertRoundTripAsync(forwarded, topic, count: 1_000, partitions: 3);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
