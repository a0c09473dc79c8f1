using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Contracts;
using TrueCost.Ingest;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Ingest;

/// <summary>
/// One isolated pipeline for one test: its own database, its own topic prefix (so its own topics
/// and DLQs) on the shared broker, and hosts that can be started and stopped mid-run.
/// </summary>
public sealed class PipelineUnderTest : IAsyncDisposable
{
    private readonly List<IHost> _hosts = [];

    private PipelineUnderTest(InfrastructureFixture infra, string postgres, string prefix, LedgerOptions? ledger)
    {
        Infra = infra;
        Postgres = postgres;
        Ingest = new IngestOptions { BootstrapServers = infra.Kafka.BootstrapServers, TopicPrefix = prefix, BatchSize = 2000, SessionTimeoutMs = 6000 };
        Ledger = ledger ?? new LedgerOptions();
        DataSource = NpgsqlDataSource.Create(postgres);
    }

    public InfrastructureFixture Infra { get; }

    public string Postgres { get; }

    public IngestOptions Ingest { get; }

    public LedgerOptions Ledger { get; }

    public NpgsqlDataSource DataSource { get; }

    public string RequestTopic => Ingest.TopicFor(Topics.RequestLogs);

    public static async Task<PipelineUnderTest> CreateAsync(InfrastructureFixture infra, int partitions = 6, LedgerOptions? ledger = null)
    {
        var prefix = $"t{Guid.NewGuid():N}"[..12] + ".";
        var pipeline = new PipelineUnderTest(infra, await infra.NewDatabaseAsync(), prefix, ledger);
        foreach (var topic in Topics.All.Concat([pipeline.Ingest.Otlp.SpansTopic, pipeline.Ingest.Otlp.MetricsTopic, pipeline.Ingest.LiteLlm.Topic]))
        {
            await infra.Kafka.CreateTopicAsync(prefix + topic, partitions);
            await infra.Kafka.CreateTopicAsync(prefix + Topics.DeadLetter(topic), 1);
        }

        return pipeline;
    }

    public async Task<IHost> StartHostAsync(bool projections = true)
    {
        var host = PipelineHost.Build(Postgres, Ingest, Ledger, new PipelineRoles(Ingest: true, Projections: projections), LogLevel.Warning);
        await host.StartAsync();
        _hosts.Add(host);
        return host;
    }

    public static TopicCounters Counters(IHost host, string topic) => host.Services.GetRequiredService<IngestCounters>().For(topic);

    /// <summary>Waits until the host has processed <paramref name="expected"/> records, its projections caught up and the allocation queue drained.</summary>
    public async Task SettledAsync(IHost host, int expected, TimeSpan patience)
    {
        var counters = host.Services.GetRequiredService<IngestCounters>();
        long Sum(Func<TopicCounters, long> figure) => Topics.All.Sum(t => figure(counters.For(Ingest.TopicFor(t))));
        await Eventually.TrueAsync(() => Sum(c => c.Processed) >= expected, patience,
            () => $"ingest did not catch up: processed {Sum(c => c.Processed)} of {expected}, stored {Sum(c => c.Stored)}, dead-lettered {Sum(c => c.DeadLettered)}");
        await host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(patience);
        var costs = new CostQueries(DataSource, Ledger);
        await Eventually.TrueAsync(async () => await costs.QueuedHoursAsync(CancellationToken.None) == 0, patience, () => "allocation queue did not drain");
    }

    /// <summary>Produces records to this pipeline's topics (prefix applied) and waits for every delivery.</summary>
    public async Task ProduceAsync(IEnumerable<SyntheticRecord> records)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = Infra.Kafka.BootstrapServers, Acks = Acks.All, LingerMs = 10 }).Build();
        var failures = 0;
        foreach (var r in records)
        {
            producer.Produce(Ingest.TopicFor(r.Topic), new Message<string, byte[]> { Key = r.Key, Value = r.Value }, d => { if (d.Error.IsError) { Interlocked.Increment(ref failures); } });
            producer.Poll(TimeSpan.Zero);
        }

        producer.Flush(TimeSpan.FromSeconds(60));
        await Task.CompletedTask;
        Assert.Equal(0, failures);
    }

    /// <summary>Every request id stored in RequestsRecorded events, as a multiset (count and checksum).</summary>
    public async Task<StoredIds> StoredRequestIdsAsync()
    {
        using var store = LedgerStore.CreateStore(Postgres, Ledger);
        await using var session = store.QuerySession();
        var batches = await session.Events.QueryRawEventDataOnly<RequestsRecorded>().ToListAsync();
        return StoredIds.Of(batches.SelectMany(b => b.Requests).Select(r => r.RequestId));
    }

    /// <summary>Reads the dead-letter topic from the beginning until <paramref name="expected"/> records or a timeout.</summary>
    public List<ConsumeResult<string, string>> ReadDeadLetters(string topic, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = Infra.Kafka.BootstrapServers,
            GroupId = $"dlq-reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(Ingest.TopicFor(Topics.DeadLetter(topic)));
        var read = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + timeout;
        while (read.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false } m)
            {
                read.Add(m);
            }
        }

        consumer.Close();
        return read;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
            host.Dispose();
        }

        await DataSource.DisposeAsync();
    }
}

/// <summary>A multiset of ids reduced to count, distinct count and an order-independent checksum.</summary>
public readonly record struct StoredIds(long Count, long Distinct, string Checksum)
{
    public static StoredIds Of(IEnumerable<string> ids)
    {
        var list = ids.ToList();
        var xor = new byte[32];
        foreach (var id in list)
        {
            var h = SHA256.HashData(Encoding.UTF8.GetBytes(id));
            for (var i = 0; i < xor.Length; i++)
            {
                xor[i] ^= h[i];
            }
        }

        return new StoredIds(list.Count, list.Distinct(StringComparer.Ordinal).Count(), Convert.ToHexString(xor));
    }
}
