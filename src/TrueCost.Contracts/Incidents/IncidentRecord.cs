using System.Text.Json.Serialization;

namespace TrueCost.Contracts.Incidents;

/// <summary>
/// One step of an incident's lifecycle (topic <see cref="Topics.Incidents"/>). Records of one
/// incident may arrive out of order or repeatedly; <see cref="RecordId"/> identifies a step.
/// </summary>
public sealed record IncidentRecord
{
    [JsonPropertyName("schema_version")] public int SchemaVersion { get; init; } = 1;
    [JsonPropertyName("record_id")] public required string RecordId { get; init; }
    [JsonPropertyName("incident_id")] public required string IncidentId { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("timestamp")] public required DateTimeOffset Timestamp { get; init; }
    [JsonPropertyName("severity")] public string? Severity { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("responder")] public IncidentResponder? Responder { get; init; }
    [JsonPropertyName("affected")] public IncidentScope? Affected { get; init; }
    [JsonPropertyName("failed_requests")] public long? FailedRequests { get; init; }
    [JsonPropertyName("credit")] public IncidentCredit? Credit { get; init; }
    [JsonPropertyName("postmortem_url")] public string? PostmortemUrl { get; init; }
}

public sealed record IncidentResponder(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("hours")] decimal Hours);

public sealed record IncidentScope
{
    [JsonPropertyName("routes")] public IReadOnlyList<string> Routes { get; init; } = [];
    [JsonPropertyName("tenants")] public IReadOnlyList<string> Tenants { get; init; } = [];
    [JsonPropertyName("models")] public IReadOnlyList<string> Models { get; init; } = [];
    [JsonPropertyName("pools")] public IReadOnlyList<string> Pools { get; init; } = [];
}

/// <summary>
/// <see cref="Tenant"/> defaults to null so a credit without a tenant (one for every affected
/// tenant) survives the round trip: the serializer omits nulls, and a parameter without a default
/// would then be required on the way back in.
/// </summary>
public sealed record IncidentCredit(
    [property: JsonPropertyName("amount")] decimal Amount,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("tenant")] string? Tenant = null);

public static class IncidentRecordTypes
{
    public const string Opened = "opened";
    public const string ResponderJoined = "responder_joined";
    public const string Mitigated = "mitigated";
    public const string Resolved = "resolved";
    public const string CreditIssued = "credit_issued";
    public const string ImpactUpdated = "impact_updated";
    public static readonly IReadOnlySet<string> All = new HashSet<string>
        { Opened, ResponderJoined, Mitigated, Resolved, CreditIssued, ImpactUpdated };
}

public static class IncidentSeverities
{
    public static readonly IReadOnlySet<string> All = new HashSet<string> { "sev1", "sev2", "sev3", "sev4" };
}
