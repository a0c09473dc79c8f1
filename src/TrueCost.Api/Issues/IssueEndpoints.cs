using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Storage;

namespace TrueCost.Api.Issues;

/// <summary>
/// GET /v1/issues: what the allocator could not cost as it came in [from, to) — unpriced usage (with the
/// models, requests and tokens), lines in a currency without an FX rate, provider invoices without usage,
/// GPU spend mapped to no pool — one row per kind and subject with its reason. Spans tenants: unscoped keys only.
/// </summary>
public static class IssueEndpoints
{
    public static RouteGroupBuilder MapIssues(this RouteGroupBuilder v1)
    {
        v1.MapGet("/issues", GetAsync)
            .WithTags("Issues")
            .WithName("GetIssues")
            .WithSummary("What could not be costed as it came in [from, to): unpriced models, unconverted currencies, invoices without usage, unmapped GPU spend");
        return v1;
    }

    private static async Task<Results<Ok<IssueList>, ProblemHttpResult>> GetAsync(
        [AsParameters] RangeParameters range,
        NpgsqlDataSource db,
        LedgerOptions ledger,
        CancellationToken ct)
    {
        var errors = new ParameterErrors();
        var parsed = TimeRange.Parse(range, errors);
        if (errors.Any || parsed is null)
        {
            return errors.ToProblem();
        }

        var queries = new CostQueries(db, ledger);
        var share = await queries.PricedShareAsync(parsed.From, parsed.To, ct);
        return TypedResults.Ok(new IssueList(
            parsed.From, parsed.To, share.Requests, share.Tokens, share.UnpricedRequests, share.UnpricedTokens,
            await queries.IssuesAsync(parsed.From, parsed.To, ct)));
    }
}

/// <summary>The API usage of the range, how much of it had no list price, and every issue.</summary>
public sealed record IssueList(
    DateTimeOffset From,
    DateTimeOffset To,
    long ApiRequests,
    long ApiTokens,
    long UnpricedRequests,
    long UnpricedTokens,
    IReadOnlyList<IssueSummary> Issues);
