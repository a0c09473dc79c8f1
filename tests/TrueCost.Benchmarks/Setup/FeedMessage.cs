namespace TrueCost.Benchmarks.Setup;

/// <summary>One Kafka message an end-to-end stage produces, and how many records it carries (a request-log record is one; an OTLP export, one per span).</summary>
public readonly record struct FeedMessage(string Key, byte[] Value, int Records)
{
    public static FeedMessage Of(WireRecord record) => new(record.Id, record.Json, 1);
}
