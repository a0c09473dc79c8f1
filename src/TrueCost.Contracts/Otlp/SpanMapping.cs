using TrueCost.Contracts.RequestLogs;

namespace TrueCost.Contracts.Otlp;

public enum SpanMappingOutcome
{
    /// <summary>A GenAI span that became a valid request-log record.</summary>
    Record,

    /// <summary>A GenAI span that cannot be counted; <see cref="SpanMapping.Reason"/> says why (dead-lettered).</summary>
    Refused,

    /// <summary>A span that is not a model call (HTTP, database, agent, tool): skipped and counted, never an error.</summary>
    NotGenAi,
}

/// <summary>What one span became: a record, a refusal, or nothing with the reason it was skipped.</summary>
public readonly record struct SpanMapping(SpanMappingOutcome Outcome, RequestLogRecord? Record, string? Reason)
{
    public static SpanMapping Mapped(RequestLogRecord record) => new(SpanMappingOutcome.Record, record, null);

    public static SpanMapping Refused(string reason) => new(SpanMappingOutcome.Refused, null, reason);

    public static SpanMapping NotGenAi(string reason) => new(SpanMappingOutcome.NotGenAi, null, reason);
}
