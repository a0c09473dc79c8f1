using System.Globalization;
using Microsoft.Extensions.Hosting;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>
/// Consumer-group rebalances mid-run: a second worker joins and takes partitions over (the first
/// drops what it buffered for them), then leaves and hands them back.
/// </summary>
[Collection("reliability")]
public class RebalanceTests(ReliabilityFixture infra, ITestOutputHelper output)
{
    private const int Requests = 60_000;
    private const int RecordsPerSecond = 2_000;
    private const int JoinLeaveCycles = 2;

    private static readonly DateTimeOffset Day = new(2026, 11, 19, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_second_worker_joining_and_leaving_mid_run_loses_and_doubles_nothing()
    {
        await using var pipeline = await FaultedPipeline.CreateAsync(infra);
        var records = new RequestLogGenerator(Day, Requests, seed: 51, invalidShare: 0).Generate().ToList();
        await pipeline.StartHostAsync();
        using var traffic = TrafficProducer.Start(pipeline.BootstrapServers, pipeline.RequestTopic, records, RecordsPerSecond);

        var joined = new List<long>();
        for (var cycle = 1; cycle <= JoinLeaveCycles; cycle++)
        {
            await pipeline.WaitForProgressAsync(traffic, () => $"before join {cycle}");
            var second = await pipeline.StartHostAsync();
            var counters = pipeline.RequestCounters.Last();
            await Eventually.TrueAsync(() => counters.Stored > 0, Patience, () => $"the worker that joined in cycle {cycle} stored nothing");
            await second.StopAsync(TimeSpan.FromSeconds(30));
            joined.Add(counters.Stored);
            await pipeline.WaitForProgressAsync(traffic, () => $"after leave {cycle}");
        }

        var figures = await ExactlyOnce.AssertAsync(pipeline, traffic, output);
        var duplicates = pipeline.RequestCounters.Sum(c => c.Duplicates);
        output.WriteLine($"rebalances: {JoinLeaveCycles} joins and {JoinLeaveCycles} leaves; the joining workers stored {string.Join(", ", joined.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))} while they were in; {duplicates} records met twice by id");

        // Nothing faults or repeats the producer here, so every record is in Kafka once; a record met twice would mean a range was ingested by both owners.
        Assert.Equal(figures.Produced, figures.KafkaRecords);
        Assert.Equal(0, duplicates);
    }
}
