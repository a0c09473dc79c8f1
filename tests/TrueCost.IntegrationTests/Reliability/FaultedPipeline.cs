using Confluent.Kafka;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Contracts;
using TrueCost.Ingest;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>
/// One pipeline under fault: its own database and topic prefix on the reliability suite's servers,
/// in-process ingest hosts that can join and leave, and the ground truth a verdict needs — the
/// offsets committed in PostgreSQL, the broker's watermarks, and the request ids stored in events.
/// </summary>
public sealed class FaultedPipeline : IAsyncDisposable
{
    private static readonly TimeSpan ProgressPatience = TimeSpan.FromSeconds(90);

    private readonly List<IHost> _hosts = [];
    private readonly int _partitions;
    private string? _lastPollError;

    private FaultedPipeline(ReliabilityFixture infra, string postgres, string prefix, int partitions)
    {
        Postgres = postgres;
        BootstrapServers = infra.Kafka.BootstrapServers;
        _partitions = partitions;
        Ingest = new IngestOptions
        {
            BootstrapServers = BootstrapServers,
            TopicPrefix = prefix,
            BatchSize = 2000,
            SessionTimeoutMs = 6000,
            MaxRetryBackoff = TimeSpan.FromSeconds(2),
        };
        DataSource = NpgsqlDataSource.Create(postgres);
    }

    public string Postgres { get; }

    public string BootstrapServers { get; }

    public IngestOptions Ingest { get; }

    public LedgerOptions Ledger { get; } = new();

    public NpgsqlDataSource DataSource { get; }

    public string RequestTopic => Ingest.TopicFor(Topics.RequestLogs);

    /// <summary>Per-host counters of the request topic, for every host started so far.</summary>
    public IEnumerable<TopicCounters> RequestCounters => _hosts.Select(h => h.Services.GetRequiredService<IngestCounters>().For(RequestTopic));

    /// <summary>
    /// Creates the database, the four topics and their DLQs. The request topic gets enough partitions
    /// that the mock broker's 5 MiB per partition holds a whole run; the schema is applied up front so
    /// progress can be read from the offsets table before the first worker is up.
    /// </summary>
    public static async Task<FaultedPipeline> CreateAsync(ReliabilityFixture infra, int partitions = 24)
    {
        var prefix = $"r{Guid.NewGuid():N}"[..12] + ".";
        var pipeline = new FaultedPipeline(infra, await infra.Postgres.CreateDatabaseAsync($"r_{Guid.NewGuid():N}"), prefix, partitions);
        foreach (var topic in Topics.All)
        {
            await infra.Kafka.CreateTopicAsync(prefix + topic, topic == Topics.RequestLogs ? partitions : 1);
            await infra.Kafka.CreateTopicAsync(prefix + Topics.DeadLetter(topic), 1);
        }

        using var store = LedgerStore.CreateStore(pipeline.Postgres, pipeline.Ledger);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return pipeline;
    }

    /// <summary>Starts an ingest-only host in this process (projections are not what these tests are about).</summary>
    public async Task<IHost> StartHostAsync()
    {
        var host = PipelineHost.Build(Postgres, Ingest, Ledger, new PipelineRoles(Ingest: true, Projections: false), LogLevel.Error);
        await host.StartAsync();
        _hosts.Add(host);
        return host;
    }

    /// <summary>Sum of the next offsets committed for the request topic: how many of its records ingest has finished with.</summary>
    public async Task<long> CommittedAsync()
    {
        await using var cmd = DataSource.CreateCommand(
            $"select coalesce(sum(next_offset), 0)::bigint from {LedgerTables.QualifiedName(Ledger.Schema, LedgerTables.KafkaOffsets)} where consumer_group = $1 and topic = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = Ingest.GroupFor(RequestTopic) });
        cmd.Parameters.Add(new NpgsqlParameter { Value = RequestTopic });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Waits until ingest commits beyond what it had committed when called, or has caught up with
    /// traffic that has ended, so the next fault meets a run that is visibly moving.
    /// </summary>
    /// <param name="alive">Checked on every poll; false fails at once with <paramref name="context"/>.</param>
    public async Task WaitForProgressAsync(TrafficProducer traffic, Func<string> context, Func<bool>? alive = null)
    {
        long? before = null;
        await Eventually.TrueAsync(
            async () =>
            {
                Assert.True(alive?.Invoke() ?? true, context());
                var committed = await TryCommittedAsync();
                before ??= committed;
                return committed > before || (traffic.IsDone && committed >= Watermarks().Sum(w => w.High.Value));
            },
            ProgressPatience,
            () => $"ingest committed nothing beyond offset sum {before:N0} in {ProgressPatience.TotalSeconds:0} s (last database error: {_lastPollError ?? "none"}): {context()}");
    }

    /// <summary>Waits until ingest has committed every offset the broker holds (traffic has ended).</summary>
    /// <param name="context">What to add to a timeout message, such as the last lines of a worker's output.</param>
    public async Task DrainedAsync(TimeSpan patience, Func<string>? context = null)
    {
        long high = 0;
        long? committed = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                high = Watermarks().Sum(w => w.High.Value);
                committed = await TryCommittedAsync();
                return committed >= high;
            },
            patience,
            () => $"ingest committed {committed:N0} of the {high:N0} offsets the broker holds{Environment.NewLine}{context?.Invoke()}");
    }

    /// <summary>
    /// <see cref="CommittedAsync"/> for polling: null while the database cannot answer (a restart
    /// leaves the pool's connections dead, and each fails once), so the poll simply tries again.
    /// </summary>
    public async Task<long?> TryCommittedAsync()
    {
        try
        {
            return await CommittedAsync();
        }
        catch (NpgsqlException e)
        {
            _lastPollError = e.Message;
            return null;
        }
    }

    /// <summary>Low and high watermark of every request partition. A low watermark above 0 means the broker evicted records.</summary>
    public IReadOnlyList<WatermarkOffsets> Watermarks()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = $"watermarks-{Guid.NewGuid():N}" })
            .SetLogHandler((_, _) => { })
            .Build();
        return [.. Enumerable.Range(0, _partitions).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(RequestTopic, p), TimeSpan.FromSeconds(30)))];
    }

    /// <summary>Every request id held by a RequestsRecorded event, repeats included.</summary>
    public async Task<IReadOnlyList<string>> StoredRequestIdsAsync()
    {
        using var store = LedgerStore.CreateStore(Postgres, Ledger);
        await using var session = store.QuerySession();
        var batches = await session.Events.QueryRawEventDataOnly<RequestsRecorded>().ToListAsync();
        return [.. batches.SelectMany(b => b.Requests).Select(r => r.RequestId)];
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
