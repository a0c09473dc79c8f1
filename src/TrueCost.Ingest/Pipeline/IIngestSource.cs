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
/// One record read from a Kafka message: the record, the reason it is refused (dead-lettered), or the
/// reason it is ignored (counted, not a record of this kind: an HTTP span beside the LLM calls).
/// <see cref="Content"/> is the record's own bytes: its dedupe content hash, and the dead-letter payload.
/// </summary>
public readonly record struct SourceRecord<TRecord>(TRecord? Record, string? Refusal, string? Ignored, ReadOnlyMemory<byte> Content)
    where TRecord : class
{
    public static SourceRecord<TRecord> Accept(TRecord record, ReadOnlyMemory<byte> content) => new(record, null, null, content);

    public static SourceRecord<TRecord> Refuse(string reason, ReadOnlyMemory<byte> content) => new(null, reason, null, content);

    public static SourceRecord<TRecord> Ignore(string reason) => new(null, null, reason, ReadOnlyMemory<byte>.Empty);
}

/// <summary>
/// What the generic ingest pipeline needs to know about one input topic: how to read a message into
/// records, what identifies a record (for dedupe), and which stored event a batch of accepted records becomes.
/// </summary>
public interface IIngestSource<TRecord>
    where TRecord : class
{
    string Topic { get; }

    /// <summary>Distinguishes this source's ids in the shared dedupe table.</summary>
    short Kind { get; }

    /// <summary>
    /// Adds the records of one message to <paramref name="into"/>. Native topics carry one record per
    /// message (the message is its content); an OTLP message carries many, each refused or kept alone.
    /// </summary>
    void Read(byte[] message, List<SourceRecord<TRecord>> into);

    string RecordId(TRecord record);

    /// <summary>The events (and the streams they belong to) that one partition's accepted records become.</summary>
    IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<TRecord> records);
}

/// <summary>How the native JSON topics are read: one message is one record.</summary>
public static class OneRecordPerMessage
{
    public static void Read<TRecord>(IRecordParser<TRecord> parser, byte[] message, List<SourceRecord<TRecord>> into)
        where TRecord : class
    {
        var parsed = parser.Parse(message);
        into.Add(!parsed.IsValid ? SourceRecord<TRecord>.Refuse(parsed.Error!, message)
            : StorableText.NulCharacterIn(message) is { } unstorable ? SourceRecord<TRecord>.Refuse(unstorable, message)
            : SourceRecord<TRecord>.Accept(parsed.Record!, message));
    }
}
