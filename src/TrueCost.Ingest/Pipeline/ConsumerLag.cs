using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// One worker's consumer lag per assigned partition: the high watermark its consumer last saw minus the next offset
/// stored in PostgreSQL — what a restart would have to read again, the figure KEDA and lag alerts want. A partition
/// never stored counts from offset 0 until its first batch commits.
/// </summary>
public sealed class ConsumerLag(string topic)
{
    private readonly ConcurrentDictionary<int, long> _high = new();
    private readonly ConcurrentDictionary<int, long> _stored = new();

    /// <summary>A partition came to this worker; <paramref name="storedOffset"/> is the next offset stored for it, if any.</summary>
    public void Assigned(int partition, long? storedOffset) => _stored[partition] = storedOffset ?? 0;

    public void HighWatermark(int partition, long high)
    {
        if (high >= 0 && _stored.ContainsKey(partition))
        {
            _high[partition] = high;
        }
    }

    /// <summary>A batch committed: <paramref name="next"/> is the partition's next offset to store.</summary>
    public void Stored(int partition, long next) => _stored.AddOrUpdate(partition, next, (_, known) => Math.Max(known, next));

    public void Revoked(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            _high.TryRemove(partition, out _);
            _stored.TryRemove(partition, out _);
        }
    }

    /// <summary>The lag of every partition whose high watermark is known.</summary>
    public IEnumerable<Measurement<long>> Observe() =>
        from high in _high
        where _stored.ContainsKey(high.Key)
        orderby high.Key
        select new Measurement<long>(
            Math.Max(0, high.Value - _stored[high.Key]),
            IngestMetrics.Topic(topic),
            new KeyValuePair<string, object?>("partition", high.Key.ToString(CultureInfo.InvariantCulture)));
}
