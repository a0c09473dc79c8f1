using TrueCost.IntegrationTests.Ingest;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>What one reliability run measured; Lost and Duplicated must both be zero.</summary>
/// <param name="Evicted">
/// Records the broker no longer holds (the mock keeps about 5 MiB a partition). Harmless once ingested;
/// records evicted before ingest reached them would show as lost.
/// </param>
public sealed record RunFigures(int Produced, long KafkaRecords, long Evicted, long Stored, long Lost, long Duplicated, long Unexpected)
{
    /// <summary>Copies beyond one per record, resent by the producer or written twice by its retries; ingest dedupes them by request id.</summary>
    public long ExtraCopies => KafkaRecords - Produced;

    public override string ToString() =>
        $"produced {Produced:N0}, in Kafka {KafkaRecords:N0} ({ExtraCopies:N0} extra copies, {Evicted:N0} evicted since), stored {Stored:N0}, lost {Lost}, duplicated {Duplicated}, unexpected {Unexpected}";
}

/// <summary>
/// The reliability suite's one verdict: once ingest has caught up with everything the broker holds,
/// the stored request ids equal the produced ones by count, distinct count and checksum.
/// </summary>
public static class ExactlyOnce
{
    private static readonly TimeSpan DrainPatience = TimeSpan.FromMinutes(3);

    /// <param name="context">What to add to a timeout message, such as the last lines of a worker's output.</param>
    public static async Task<RunFigures> AssertAsync(
        FaultedPipeline pipeline, TrafficProducer traffic, ITestOutputHelper output, Func<string>? context = null)
    {
        var report = await traffic.Completion.WaitAsync(DrainPatience);
        var produced = report.Produced;
        output.WriteLine($"traffic: {produced.Count:N0} records and {report.Resent:N0} resent copies, {report.Delivered:N0} acknowledged in {report.Elapsed.TotalSeconds:0.0} s, {report.Failed} failed");
        Assert.True(report.Failed == 0, $"{report.Failed} records were never delivered to Kafka (first: {report.FirstFailure}); the run proves nothing about them");

        await pipeline.DrainedAsync(DrainPatience, context);

        var watermarks = pipeline.Watermarks();
        var expected = produced.Select(r => r.Key).ToList();
        var stored = await pipeline.StoredRequestIdsAsync();
        var storedSet = stored.ToHashSet(StringComparer.Ordinal);
        var expectedSet = expected.ToHashSet(StringComparer.Ordinal);
        var figures = new RunFigures(
            produced.Count,
            watermarks.Sum(w => w.High.Value),
            watermarks.Sum(w => w.Low.Value),
            stored.Count,
            Lost: expectedSet.Count(id => !storedSet.Contains(id)),
            Duplicated: stored.Count - storedSet.Count,
            Unexpected: storedSet.Count(id => !expectedSet.Contains(id)));
        output.WriteLine(figures.ToString());

        Assert.Equal(0, pipeline.RequestCounters.Sum(c => c.LostToRetention));
        Assert.Equal(0, pipeline.RequestCounters.Sum(c => c.DeadLettered));
        Assert.Equal(0, figures.Lost);
        Assert.Equal(0, figures.Duplicated);
        Assert.Equal(StoredIds.Of(expected), StoredIds.Of(stored));
        return figures;
    }
}
