using TrueCost.Contracts.Validation;

namespace TrueCost.Ingest.Pipeline;

/// <summary>Offsets [First, Last] of one Kafka partition that a stored event came from.</summary>
public readonly record struct SourceRange(string Topic, int Partition, long First, long Last)
{
    public string StreamKey => $"{Topic}/{Partition}";
}

/// <summary>An event to append and the stream it belongs to.</summary>
public readonly record struct StreamEvent(string StreamKey, object Event);

/// <summary>
/// What the generic ingest pipeline needs to know about one input topic: how to parse a record,
/// what identifies it (for dedupe), and which stored event a batch of accepted records becomes.
/// </summary>
public interface IIngestSource<TRecord>
    where TRecord : class
{
    string Topic { get; }

    /// <summary>Distinguishes this source's ids in the shared dedupe table.</summary>
    short Kind { get; }

    IRecordParser<TRecord> Parser { get; }

    string RecordId(TRecord record);

    /// <summary>The events (and the streams they belong to) that one partition's accepted records become.</summary>
    IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<TRecord> records);
}
