using System.Diagnostics.Metrics;
using TrueCost.Ledger.Observability;

namespace TrueCost.Ingest.Pipeline;

/// <summary>The ingest pipeline's instruments, per input topic (tag <c>topic</c>, with its prefix).</summary>
public static class IngestMetrics
{
    public static readonly Counter<long> Consumed = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.ingest.records.consumed", "{record}", "Kafka records read from the topic (a record re-read after a rebalance counts again)");

    public static readonly Counter<long> Stored = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.ingest.records.stored", "{record}", "Records stored in the event store");

    public static readonly Counter<long> DeadLettered = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.ingest.records.dead_lettered", "{record}", "Records refused and sent to the topic's .dlq with the reason");

    public static readonly Counter<long> Duplicates = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.ingest.records.duplicates", "{record}", "Records whose id was already stored with the same content, skipped");

    public static readonly Counter<long> Ignored = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.ingest.records.ignored", "{record}", "Records not of the topic's kind (spans that are not LLM calls), counted and not stored");

    public static readonly Counter<long> LostToRetention = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.ingest.offsets.lost", "{offset}", "Offsets the broker deleted (retention) before ingest reached them");

    public static readonly Histogram<double> BatchDuration = TrueCostTelemetry.SecondsHistogram(
        "truecost.ingest.batch.duration", "Time to store one batch and its offsets, retries included");

    public static readonly GaugeSources<long> ConsumerLag = new(
        "truecost.ingest.consumer.lag", "{record}", "Records in the partition past the offset ingest has stored (high watermark minus stored offset)");

    public static KeyValuePair<string, object?> Topic(string topic) => new("topic", topic);

    /// <summary>Publishes a topic's outcome counters at zero, so its series exist (and rate() works) before the first record.</summary>
    public static void Start(string topic)
    {
        foreach (var counter in new[] { Consumed, Stored, DeadLettered, Duplicates, Ignored, LostToRetention })
        {
            counter.Add(0, Topic(topic));
        }
    }

    internal static void Record(string topic, BatchOutcome outcome)
    {
        var tag = Topic(topic);
        Stored.Add(outcome.Stored, tag);
        DeadLettered.Add(outcome.DeadLettered, tag);
        Duplicates.Add(outcome.Duplicates, tag);
        Ignored.Add(outcome.Ignored, tag);
        LostToRetention.Add(outcome.LostToRetention, tag);
    }
}
