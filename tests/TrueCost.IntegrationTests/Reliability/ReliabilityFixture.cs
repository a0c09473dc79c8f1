using TrueCost.DevInfra;

namespace TrueCost.IntegrationTests.Reliability;

[CollectionDefinition("reliability")]
public sealed class ReliabilityCollectionDefinition : ICollectionFixture<ReliabilityFixture>;

/// <summary>
/// A PostgreSQL server and a Kafka cluster of the reliability suite's own. Its tests restart the
/// server and take brokers down; with servers of their own they do that without touching the tests
/// of other collections, which xunit runs in parallel. The collection runs its tests one at a time.
/// The cluster is always librdkafka's mock: the only backend here that takes injected faults.
/// </summary>
public sealed class ReliabilityFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; private set; } = null!;

    public KafkaCluster Kafka { get; private set; } = null!;

    public IKafkaFaults Faults => Kafka.Faults ?? throw new InvalidOperationException("the mock Kafka cluster offers no fault injection");

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Kafka = await KafkaCluster.StartAsync(new KafkaClusterOptions { Backend = KafkaBackend.Mock });
    }

    public async Task DisposeAsync()
    {
        // Either may be null when InitializeAsync failed part-way.
        if (Kafka is not null)
        {
            await Kafka.DisposeAsync();
        }

        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}
