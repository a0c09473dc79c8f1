using Confluent.Kafka;
using TrueCost.DevInfra;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>
/// Brokers going away and requests failing, injected into the reliability suite's own mock cluster
/// while an ingest host consumes and traffic keeps arriving. Every fault is undone before the verdict.
/// </summary>
[Collection("reliability")]
public class BrokerFaultTests(ReliabilityFixture infra, ITestOutputHelper output)
{
    private const int Requests = 80_000;
    private const int RecordsPerSecond = 2_000;

    private static readonly DateTimeOffset Day = new(2026, 11, 17, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SlowBroker = TrafficProducer.RequestTimeout * 2;

    /// <summary>Request errors pushed onto the cluster: whichever client sends the next such request gets them, in order.</summary>
    private static readonly (string Name, short ApiKey, ErrorCode[] Errors)[] RequestErrors =
    [
        ("Produce", KafkaApiKeys.Produce, [ErrorCode.NotEnoughReplicas, ErrorCode.RequestTimedOut, ErrorCode.NotLeaderForPartition, ErrorCode.LeaderNotAvailable]),
        ("Fetch", KafkaApiKeys.Fetch, [ErrorCode.NotLeaderForPartition, ErrorCode.UnknownTopicOrPart, ErrorCode.RequestTimedOut, ErrorCode.LeaderNotAvailable]),
        ("OffsetCommit", KafkaApiKeys.OffsetCommit, [ErrorCode.RequestTimedOut, ErrorCode.NotCoordinatorForGroup, ErrorCode.GroupCoordinatorNotAvailable]),
        // A heartbeat told "rebalance in progress" makes the consumer rejoin, so the JoinGroup errors behind it are met.
        ("Heartbeat", KafkaApiKeys.Heartbeat, [ErrorCode.RebalanceInProgress]),
        ("JoinGroup", KafkaApiKeys.JoinGroup, [ErrorCode.GroupLoadInProgress, ErrorCode.NotCoordinatorForGroup, ErrorCode.GroupCoordinatorNotAvailable]),
        // A heartbeat told "unknown member" makes the consumer drop its partitions as lost and join as a new member.
        ("Heartbeat", KafkaApiKeys.Heartbeat, [ErrorCode.UnknownMemberId]),
    ];

    [Fact]
    public async Task Brokers_down_and_up_and_injected_request_errors_lose_and_double_nothing()
    {
        var faults = infra.Faults;
        await using var pipeline = await FaultedPipeline.CreateAsync(infra);
        var records = new RequestLogGenerator(Day, Requests, seed: 31, invalidShare: 0).Generate().ToList();
        await pipeline.StartHostAsync();
        using var traffic = TrafficProducer.Start(pipeline.BootstrapServers, pipeline.RequestTopic, records, RecordsPerSecond, resendEvery: 100);
        var injected = new List<string>();
        string FaultsSoFar() => $"faults so far: {string.Join("; ", injected)}";
        try
        {
            await pipeline.WaitForProgressAsync(traffic, FaultsSoFar);
            foreach (var broker in faults.BrokerIds)
            {
                await faults.SetBrokerDownAsync(broker);
                await Task.Delay(Outage);
                await faults.SetBrokerUpAsync(broker);
                injected.Add($"broker {broker} down {Outage.TotalSeconds:0} s");
                await pipeline.WaitForProgressAsync(traffic, FaultsSoFar);
            }

            // Acknowledgements slower than the producer waits for, so it sends its requests again.
            var slow = faults.BrokerIds[0];
            faults.SetBrokerRtt(slow, SlowBroker);
            await Task.Delay(Outage);
            faults.SetBrokerRtt(slow, TimeSpan.Zero);
            injected.Add($"broker {slow} answering after {SlowBroker.TotalSeconds:0} s for {Outage.TotalSeconds:0} s");
            await pipeline.WaitForProgressAsync(traffic, FaultsSoFar);

            foreach (var broker in faults.BrokerIds)
            {
                await faults.SetBrokerDownAsync(broker);
            }

            await Task.Delay(Outage);
            foreach (var broker in faults.BrokerIds)
            {
                await faults.SetBrokerUpAsync(broker);
            }

            injected.Add($"all {faults.BrokerIds.Count} brokers down {Outage.TotalSeconds:0} s");
            await pipeline.WaitForProgressAsync(traffic, FaultsSoFar);

            foreach (var (name, apiKey, errors) in RequestErrors)
            {
                faults.PushRequestErrors(apiKey, errors);
                injected.Add($"{name} × {errors.Length} ({string.Join(", ", errors.Select(e => new Error(e).Reason))})");
                await pipeline.WaitForProgressAsync(traffic, FaultsSoFar);
            }
        }
        finally
        {
            foreach (var broker in faults.BrokerIds)
            {
                faults.SetBrokerRtt(broker, TimeSpan.Zero);
                await faults.SetBrokerUpAsync(broker);
            }

            foreach (var apiKey in RequestErrors.Select(e => e.ApiKey).Distinct())
            {
                faults.ClearRequestErrors(apiKey);
            }
        }

        var figures = await ExactlyOnce.AssertAsync(pipeline, traffic, output);
        output.WriteLine($"faults: {injected.Count} injected, {RequestErrors.Sum(e => e.Errors.Length)} of them request errors: {string.Join("; ", injected)}");
        var duplicates = pipeline.RequestCounters.Sum(c => c.Duplicates);
        output.WriteLine($"ingest: {duplicates:N0} extra copies recognised by id and skipped, {pipeline.RequestCounters.Sum(c => c.LostToRetention)} lost to retention");

        // Every extra copy in Kafka, resent by the producer or written twice by its retries, was met and skipped by its id.
        Assert.Equal(figures.ExtraCopies, duplicates);
    }
}
