using TrueCost.DevInfra;

namespace TrueCost.IntegrationTests.Infrastructure;

[CollectionDefinition("infrastructure")]
public sealed class InfrastructureCollectionDefinition : ICollectionFixture<InfrastructureFixture>;

/// <summary>
/// One PostgreSQL server and one Kafka cluster for the whole run, whichever real ones this machine
/// offers (see <see cref="PostgresServer"/> and <see cref="KafkaCluster"/>). Tests never share state
/// on them: each takes its own database and its own topics.
/// </summary>
public sealed class InfrastructureFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; private set; } = null!;

    public KafkaCluster Kafka { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        Kafka = await KafkaCluster.StartAsync();
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public Task<string> NewDatabaseAsync() =>
        Postgres.CreateDatabaseAsync($"t_{Guid.NewGuid():N}");

    /// <summary>A new topic named <paramref name="prefix"/> plus a unique suffix, created and ready.</summary>
    public async Task<string> NewTopicAsync(string prefix, int partitions = 6)
    {
        var topic = $"{prefix}-{Guid.NewGuid():N}";
        await Kafka.CreateTopicAsync(topic, partitions);
        return topic;
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
