using System.Text.Json.Serialization;

namespace TrueCost.Ledger.RequestLogs;

/// <summary>
/// A batch of request-log records durably accepted from one Kafka partition, offsets
/// [FirstOffset, LastOffset]. Batching keeps append and projection fast; each request stays
/// traceable by its id inside the batch. The requests are stored as columns (<see cref="RequestColumns"/>).
/// </summary>
public sealed record RequestsRecorded(
    string Topic,
    int Partition,
    long FirstOffset,
    long LastOffset,
    [property: JsonConverter(typeof(RequestColumns))] IReadOnlyList<RecordedRequest> Requests);

/// <summary>
/// What TrueCost keeps of one LLM call (independent of the wire schema version). Token counts follow the
/// OpenTelemetry GenAI conventions: <see cref="InputTokens"/> includes <see cref="CachedInputTokens"/> (cache
/// reads) and <see cref="CacheCreationTokens"/>; <see cref="OutputTokens"/> includes <see cref="ReasoningTokens"/>.
/// <see cref="ReportedCost"/> is the producer's own cost in USD (LiteLLM's response_cost), kept for comparison only.
/// </summary>
public sealed record RecordedRequest(
    string RequestId,
    DateTimeOffset Timestamp,
    string Route,
    string Tenant,
    string Provider,
    string Model,
    string ServingMode,
    string? GpuPool,
    string TrafficClass,
    string Status,
    int Attempt,
    string? RetryOf,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens,
    double LatencyMs,
    double? TimeToFirstTokenMs,
    long RequestBytes,
    long ResponseBytes,
    string? ResponseModel = null,
    long CacheCreationTokens = 0,
    long ReasoningTokens = 0,
    decimal? ReportedCost = null)
{
    /// <summary>
    /// The model a request is priced and reported by: the response model (what the provider says served
    /// the call) when the log carries one, else the request model. One rule for usage, prices and invoices.
    /// </summary>
    public string BilledModel => string.IsNullOrEmpty(ResponseModel) ? Model : ResponseModel;
}
