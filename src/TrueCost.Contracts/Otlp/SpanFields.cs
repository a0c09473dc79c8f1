namespace TrueCost.Contracts.Otlp;

/// <summary>
/// A span's fields as either encoding delivered them, before the checks both encodings share
/// (<see cref="Check"/>) turn them into an <see cref="OtlpSpan"/>.
/// </summary>
internal sealed class SpanFields
{
    public byte[] TraceId { get; set; } = [];

    public byte[] SpanId { get; set; } = [];

    public string Name { get; set; } = string.Empty;

    public int Kind { get; set; }

    public long StartTimeUnixNano { get; set; }

    public long EndTimeUnixNano { get; set; }

    public int StatusCode { get; set; }

    public string? StatusMessage { get; set; }

    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    public List<OtlpSpanEvent> Events { get; } = [];

    /// <summary>The span, or the reason it cannot be used (without the encoding prefix or its place in the message).</summary>
    public (OtlpSpan? Span, string? Error) Check(IReadOnlyDictionary<string, object?> resource, string? scopeName)
    {
        var traceId = Convert.ToHexStringLower(TraceId);
        var spanId = Convert.ToHexStringLower(SpanId);
        var error = Id("trace id", TraceId, traceId, 16)
            ?? Id("span id", SpanId, spanId, 8)
            ?? (EndTimeUnixNano < StartTimeUnixNano
                ? $"span {traceId}/{spanId} '{Name}' ends at {EndTimeUnixNano} ns, before it starts at {StartTimeUnixNano} ns"
                : null);
        if (error is not null)
        {
            return (null, error);
        }

        var span = new OtlpSpan(
            traceId,
            spanId,
            Name,
            Kind,
            StartTimeUnixNano,
            EndTimeUnixNano,
            StatusCode,
            string.IsNullOrEmpty(StatusMessage) ? null : StatusMessage,
            Attributes,
            Events,
            resource,
            scopeName);
        return (span, null);
    }

    private static string? Id(string what, byte[] bytes, string hex, int length)
    {
        if (bytes.Length != length)
        {
            return $"{what} '{hex}' is {bytes.Length} bytes, expected {length}";
        }

        return bytes.AsSpan().ContainsAnyExcept((byte)0) ? null : $"{what} is all zeros, which OTLP defines as invalid";
    }
}
