using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Incidents;
using TrueCost.Ledger.Storage;

namespace TrueCost.Api.Incidents;

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
            select {IncidentRow.Columns}
            from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.Incidents)}
            where {where.Sql} order by window_start, incident_id
            """;
        return TypedResults.Ok(await where.RowsPageAsync(db, sql, parsedRange, paging, IncidentRow.Read, ct));
    }
}
