using System.Diagnostics;
using Confluent.Kafka;
using TrueCost.DevInfra;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>
/// A rebalance while PostgreSQL is down: the worker cannot read its stored offsets when partitions
/// come back to it, so it resumes from the offsets mirrored to the broker, which trail the stored
/// ones; the records between are skipped by the writer's offset lock, never stored twice.
/// </summary>
[Collection("reliability")]
public class RebalanceWithoutPostgresTests(ReliabilityFixture infra, ITestOutputHelper output)
{
    private const int Requests = 30_000;
    private const int RecordsPerSecond = 2_000;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How long one visiting member may wait for partitions. A rebalance needs the worker to give
    /// partitions up, and each of its assignment callbacks waits up to 5 s for PostgreSQL during the
    /// outage; on a loaded two-core CI machine 45 s once proved too short.
    /// </summary>
    private static readonly TimeSpan BorrowPatience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Visiting members tried one after the other. Now and then (about one CI run in ten, cause not found)
    /// a visitor's join never completes against the mock broker's coordinator while the worker is paused on
    /// the outage; a fresh member joins at once. The test still requires a rebalance to have happened.
    /// </summary>
    private const int Visitors = 3;

    private static readonly DateTimeOffset Day = new(2026, 11, 19, 0, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task Partitions_assigned_while_PostgreSQL_is_down_resume_from_the_broker_and_double_nothing()
    {
        Skip.IfNot(infra.Postgres.IsEmbedded, $"the PostgreSQL server from {PostgresServer.EnvironmentVariable} is not this run's to stop");
        await using var pipeline = await FaultedPipeline.CreateAsync(infra, partitions: 6);
        var records = new RequestLogGenerator(Day, Requests, seed: 43, invalidShare: 0).Generate().ToList();
        var host = await pipeline.StartHostAsync();
        using var traffic = TrafficProducer.Start(pipeline.BootstrapServers, pipeline.RequestTopic, records, RecordsPerSecond, resendEvery: 100);
        await pipeline.WaitForProgressAsync(traffic, () => "before the outage");

        // While PostgreSQL is down, a member joins the group and leaves again: its partitions return to the worker.
        var counters = pipeline.RequestCounters.Single();
        var borrowed = 0;
        var outage = Stopwatch.StartNew();
        await infra.Postgres.RestartAsync(async () =>
        {
            for (var visitor = 0; visitor < Visitors && borrowed == 0; visitor++)
            {
                borrowed = await BorrowPartitionsAsync(pipeline.BootstrapServers, pipeline.Ingest.GroupFor(pipeline.RequestTopic), pipeline.RequestTopic);
                output.WriteLine($"visitor {visitor + 1} held {borrowed} partitions");
            }

            await Eventually.TrueAsync(() => counters.ResumedFromBroker > 0, Patience, () => "no assignment fell back to the broker's offsets");
        });
        outage.Stop();

        Assert.True(borrowed > 0, "the visiting member was assigned no partition, so no rebalance happened");
        await ExactlyOnce.AssertAsync(pipeline, traffic, output);
        output.WriteLine($"rebalance during a {outage.Elapsed.TotalSeconds:0} s PostgreSQL outage: {borrowed} partitions lent and returned, {counters.ResumedFromBroker} assignments resumed from the broker's offsets");
    }

    /// <summary>Joins the group with a plain consumer, waits until it holds partitions, and leaves; returns how many it held.</summary>
    private static async Task<int> BorrowPartitionsAsync(string servers, string group, string topic)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        var held = 0;
        var leaveAt = DateTime.MaxValue;
        using var visitor = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = servers,
            GroupId = group,
            EnableAutoCommit = false,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        })
            .SetPartitionsAssignedHandler((_, assigned) => held += assigned.Count)
            .SetLogHandler((_, _) => { })
            .Build();
        visitor.Subscribe(topic);
        var giveUp = DateTime.UtcNow + BorrowPatience;
        while (DateTime.UtcNow < giveUp && DateTime.UtcNow < leaveAt)
        {
            visitor.Consume(TimeSpan.FromMilliseconds(200));
            if (held > 0 && leaveAt == DateTime.MaxValue)
            {
                leaveAt = DateTime.UtcNow.AddSeconds(1);
            }
        }

        visitor.Close();
        return held;
    }
}
