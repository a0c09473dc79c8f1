namespace TrueCost.Contracts.Otlp;

/// <summary>
/// One span of an OTLP <c>ExportTraceServiceRequest</c>, decoded from <c>otlp_proto</c> or <c>otlp_json</c>,
/// with its resource's and scope's attributes beside it. Attribute values are <see cref="string"/>,
/// <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>, <see cref="byte"/>[] (bytes),
/// <see cref="IReadOnlyList{T}"/> of values (arrays) or <see cref="IReadOnlyDictionary{TKey,TValue}"/> (kvlists).
/// </summary>
/// <param name="TraceId">Lower-case hex, 32 characters.</param>
/// <param name="SpanId">Lower-case hex, 16 characters.</param>
/// <param name="Kind">The OTLP SpanKind number (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer).</param>
/// <param name="StatusCode">The OTLP StatusCode number (0 unset, 1 ok, 2 error).</param>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string Name,
    int Kind,
    long StartTimeUnixNano,
    long EndTimeUnixNano,
    int StatusCode,
    string? StatusMessage,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyList<OtlpSpanEvent> Events,
    IReadOnlyDictionary<string, object?> Resource,
    string? ScopeName)
{
    public const int StatusError = 2;

    public DateTimeOffset Start => DateTimeOffset.UnixEpoch.AddTicks(StartTimeUnixNano / 100);

    public DateTimeOffset End => DateTimeOffset.UnixEpoch.AddTicks(EndTimeUnixNano / 100);
}

/// <summary>A span event (GenAI instrumentations put usage or a choice on events of the span).</summary>
public sealed record OtlpSpanEvent(string Name, long TimeUnixNano, IReadOnlyDictionary<string, object?> Attributes);

/// <summary>
/// One span of a message: the decoded span, or why it could not be decoded. <see cref="Content"/> is the
/// span's own bytes as they arrived (its protobuf <c>Span</c> message, or its JSON object), used to tell a
/// resent span from a different one and as the dead-letter payload when the span is refused alone.
/// </summary>
public readonly record struct OtlpSpanEntry(OtlpSpan? Span, string? Error, ReadOnlyMemory<byte> Content);

/// <summary>The wire encodings of the OpenTelemetry Collector's Kafka exporter and of OTLP/HTTP.</summary>
public enum OtlpEncoding
{
    /// <summary>JSON when the first non-blank byte is <c>{</c>, protobuf otherwise.</summary>
    Auto,
    OtlpProto,
    OtlpJson,
}

/// <summary>A message that is not an OTLP export request at all (nothing in it can be read); dead-lettered whole.</summary>
public sealed class OtlpFormatException(string message) : Exception(message);
