using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TrueCost.Contracts;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.BadInput;

[Collection("infrastructure")]
public class BadInputTests(InfrastructureFixture infra, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Every_kind_of_bad_record_reaches_its_topics_DLQ_with_its_reason_and_every_valid_record_around_it_is_stored()
    {
        var bad = BadRecordCatalogue.All;
        Assert.True(bad.Select(b => b.Kind).Distinct().Count() >= 25, $"{bad.Count} kinds");
        Assert.Equal(Topics.All.Order(StringComparer.Ordinal), bad.Select(b => b.Topic).Distinct().Order(StringComparer.Ordinal));
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var valid = ValidDay().Concat(BadRecordCatalogue.Originals).ToList();
        var host = await pipeline.StartHostAsync(projections: false);

        await pipeline.ProduceAsync(Interleave(valid, bad, new Random(62)));
        await WaitUntilProcessedAsync(pipeline, host, valid.Count + bad.Count);

        // The workers are still there: one more valid record per topic, after all the bad ones, is stored.
        var after = BadRecordCatalogue.Sentinels;
        await pipeline.ProduceAsync(after);
        await WaitUntilProcessedAsync(pipeline, host, valid.Count + bad.Count + after.Count);
        Assert.All(host.Services.GetServices<IHostedService>().OfType<BackgroundService>(), w => Assert.False(w.ExecuteTask?.IsCompleted, $"{w.GetType().Name} stopped"));

        var stored = await TopicVerdicts.StoredIdsAsync(pipeline);
        foreach (var topic in Topics.All)
        {
            var expected = valid.Concat(after).Where(r => r.Topic == topic).Select(r => TopicVerdicts.Of(topic, r.Value).Id!).Distinct(StringComparer.Ordinal);
            Assert.Equal(StoredIds.Of(expected), StoredIds.Of(stored[topic]));
        }

        var reasons = new List<string>();
        foreach (var topic in Topics.All)
        {
            var sent = bad.Where(b => b.Topic == topic).ToList();
            Assert.Equal(sent.Count, PipelineUnderTest.Counters(host, pipeline.Ingest.TopicFor(topic)).DeadLettered);
            var dead = pipeline.ReadDeadLetters(topic, sent.Count, Patience);
            Assert.Equal(sent.Select(b => b.Key).Order(StringComparer.Ordinal), dead.Select(d => d.Message.Key).Order(StringComparer.Ordinal));
            foreach (var d in dead)
            {
                // Records contradicting the same original share its key (and so its partition): the value tells them apart.
                var value = d.Message.Value is null ? [] : Encoding.UTF8.GetBytes(d.Message.Value);
                var kind = sent.Single(b => b.Key == d.Message.Key && b.Value.AsSpan().SequenceEqual(value));
                var reason = Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason));
                Assert.True(reason.Contains(kind.Reason, StringComparison.Ordinal), $"{kind.Kind}: the reason '{reason}' does not say '{kind.Reason}'");
                Assert.Equal(pipeline.Ingest.TopicFor(topic), Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes(DeadLetterHeaders.SourceTopic)));
                reasons.Add($"  {TopicVerdicts.ShortName(topic),-13} {kind.Kind}: {reason}");
            }
        }

        output.WriteLine($"bad input: {bad.Count} kinds of bad record across {bad.Select(b => b.Topic).Distinct().Count()} topics, interleaved with {valid.Count:N0} valid records; {bad.Count} dead-lettered with their reason, {stored.Values.Sum(s => s.Count):N0} stored, lost 0, duplicated 0");
        output.WriteLine(string.Join(Environment.NewLine, reasons));
    }

    /// <summary>A small valid day on all four topics: requests, GPU samples every 15 minutes, invoice lines and the incident.</summary>
    private static IEnumerable<SyntheticRecord> ValidDay() =>
        new RequestLogGenerator(BadRecordCatalogue.Day, 1_500, seed: 62, invalidShare: 0).Generate()
            .Concat(new GpuSampleGenerator(BadRecordCatalogue.Day, seed: 62, intervalSeconds: 900).Generate())
            .Concat(new InvoiceLineGenerator(BadRecordCatalogue.Day).Generate())
            .Concat(new IncidentGenerator(BadRecordCatalogue.Day).Generate());

    /// <summary>
    /// Bad records at random places among the valid ones, each conflicting record after the original it
    /// repeats (they share a key, so a partition, so Kafka keeps that order).
    /// </summary>
    private static List<SyntheticRecord> Interleave(IReadOnlyList<SyntheticRecord> valid, IReadOnlyList<BadRecord> bad, Random random)
    {
        var records = valid.ToList();
        foreach (var b in bad)
        {
            var original = records.FindIndex(r => r.Valid && r.Key == b.Key);
            records.Insert(random.Next(original + 1, records.Count + 1), b.ToSynthetic());
        }

        return records;
    }

    private static async Task WaitUntilProcessedAsync(PipelineUnderTest pipeline, IHost host, int expected)
    {
        var counters = Topics.All.Select(t => PipelineUnderTest.Counters(host, pipeline.Ingest.TopicFor(t))).ToList();
        await Eventually.TrueAsync(
            () => counters.Sum(c => c.Processed) >= expected,
            Patience,
            () => $"processed {counters.Sum(c => c.Processed)} of {expected} records");
    }
}
