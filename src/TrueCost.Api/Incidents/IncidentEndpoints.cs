using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Storage;

namespace TrueCost.Api.Incidents;

/// <summary>One incident as the ledger costs it, from the incidents table.</summary>
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
    JsonElement Affected,
    string? PostmortemUrl,
    int Records);

/// <summary>
/// GET /v1/incidents: incidents, optionally only those whose cost window overlaps [from, to).
/// An incident names every tenant it touched, so only unscoped keys read them.
/// </summary>
public static class IncidentEndpoints
{
    public static RouteGroupBuilder MapIncidents(this RouteGroupBuilder v1)
    {
        v1.MapGet("/incidents", GetPageAsync)
            .WithTags("Incidents")
            .WithName("GetIncidents")
            .WithSummary("Incidents with their responder, failed-request and credit costs; from/to (both or neither) keep those overlapping the range");
        return v1;
    }

    private static async Task<Results<Ok<RowsPage<IncidentRow>>, ProblemHttpResult>> GetPageAsync(
        [AsParameters] RangeParameters range,
        [AsParameters] PageParameters page,
        NpgsqlDataSource db,
        LedgerOptions ledger,
        CancellationToken ct)
    {
        var errors = new ParameterErrors();
        var parsedRange = TimeRange.ParseOptional(range, errors);
        var paging = Paging.Parse(page, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var where = new SqlWhere();
        if (parsedRange is not null)
        {
            where.Add("window_end", ">", parsedRange.From).Add("window_start", "<", parsedRange.To);
        }

        var sql = $"""
            select incident_id, severity, title, opened_at, mitigated_at, resolved_at, window_start, window_end, failed_requests,
                   responder_hours, responder_cost, failed_request_cost, credits, affected, postmortem_url, records
            from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.Incidents)}
            where {where.Sql} order by window_start, incident_id
            """;
        return TypedResults.Ok(await where.RowsPageAsync(db, sql, parsedRange, paging, Read, ct));
    }

    private static IncidentRow Read(NpgsqlDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        Nullable(r, 3),
        Nullable(r, 4),
        Nullable(r, 5),
        r.GetFieldValue<DateTimeOffset>(6),
        r.GetFieldValue<DateTimeOffset>(7),
        r.GetInt64(8),
        r.GetDecimal(9),
        r.GetDecimal(10),
        r.GetDecimal(11),
        r.GetDecimal(12),
        r.GetFieldValue<JsonElement>(13),
        r.IsDBNull(14) ? null : r.GetString(14),
        r.GetInt32(15));

    private static DateTimeOffset? Nullable(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
