using System.Data.Common;
using System.Text.Json;

namespace TrueCost.Ledger.Incidents;

/// <summary>One row of the incidents table: the projection of one incident's stream, costed.</summary>
public sealed record IncidentRow(
    string IncidentId,
    string Severity,
    string Title,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? MitigatedAt,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    long FailedRequests,
    decimal ResponderHours,
    decimal ResponderCost,
    decimal FailedRequestCost,
    decimal Credits,
    AffectedScope Affected,
    string? PostmortemUrl,
    int Records)
{
    /// <summary>The select list <see cref="Read"/> reads, in its order.</summary>
    public const string Columns = """
        incident_id, severity, title, opened_at, mitigated_at, resolved_at, window_start, window_end, failed_requests,
        responder_hours, responder_cost, failed_request_cost, credits, affected::text, postmortem_url, records
        """;

    /// <summary>The affected scope is written by the projection; rows written by hand may use camelCase names.</summary>
    private static readonly JsonSerializerOptions AffectedJson = new() { PropertyNameCaseInsensitive = true };

    public static IncidentRow Read(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new IncidentRow(
            r.GetString(0),
            r.GetString(1),
            r.GetString(2),
            NullableTime(r, 3),
            NullableTime(r, 4),
            NullableTime(r, 5),
            r.GetFieldValue<DateTimeOffset>(6),
            r.GetFieldValue<DateTimeOffset>(7),
            r.GetInt64(8),
            r.GetDecimal(9),
            r.GetDecimal(10),
            r.GetDecimal(11),
            r.GetDecimal(12),
            ParseAffected(r.GetString(13)),
            r.IsDBNull(14) ? null : r.GetString(14),
            r.GetInt32(15));
    }

    /// <summary>
    /// The affected scope's JSON. A row written by hand may leave a list out, which JSON reads as null; a missing
    /// list restricts nothing, as an empty one does.
    /// </summary>
    public static AffectedScope ParseAffected(string json)
    {
        var scope = JsonSerializer.Deserialize<AffectedScope>(json, AffectedJson) ?? AffectedScope.Everything;
        return new AffectedScope(scope.Routes ?? [], scope.Tenants ?? [], scope.Models ?? [], scope.Pools ?? []);
    }

    private static DateTimeOffset? NullableTime(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetFieldValue<DateTimeOffset>(ordinal);
}
