using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Commitments;

namespace TrueCost.Api.Commitments;

/// <summary>One commitment over the range; fractions are 0..1 (coverage above 1 commits more than is used).</summary>
public sealed record CommitmentView(
    string Name,
    string Kind,
    string Scope,
    DateTimeOffset TermStart,
    DateTimeOffset TermEnd,
    int Hours,
    decimal Amortized,
    decimal Used,
    decimal Unused,
    decimal? Utilization,
    decimal? Coverage,
    decimal? EligibleOnDemand,
    decimal? Discount,
    string Currency,
    IReadOnlyDictionary<string, string> Evidence)
{
    public static CommitmentView Of(CommitmentFigures c) => new(
        c.Name, c.Kind, c.Scope, c.TermStart, c.TermEnd, c.Hours, c.Amortized, c.Used, c.Unused, c.Utilization, c.Coverage,
        c.EligibleOnDemand, c.Discount, c.Currency, c.Evidence);
}

public sealed record CommitmentFindingView(string Kind, string Subject, string Summary, decimal MonthlyAmountAtStake, string Currency);

public sealed record CommitmentList(DateTimeOffset From, DateTimeOffset To, string Currency, IReadOnlyList<CommitmentView> Commitments, IReadOnlyList<CommitmentFindingView> Findings);

/// <summary>
/// GET /v1/commitments: FOCUS commitments in the ledger and those of Governance:Commitments over [from, to) (default:
/// the current month to date). Commitments are bought for every tenant, so only unscoped keys read them.
/// </summary>
public static class CommitmentEndpoints
{
    public static RouteGroupBuilder MapCommitments(this RouteGroupBuilder v1)
    {
        v1.MapGet("/commitments", GetAsync)
            .WithTags("Commitments")
            .WithName("GetCommitments")
            .WithSummary("Reserved GPU capacity and token commitments over [from, to) (default: month to date): amortized, used and unused cost, utilization, coverage, findings");
        return v1;
    }

    private static async Task<Results<Ok<CommitmentList>, ProblemHttpResult>> GetAsync(
        [AsParameters] RangeParameters range, NpgsqlDataSource db, LedgerOptions ledger, GovernanceOptions governance, TimeProvider time, CancellationToken ct)
    {
        var errors = new ParameterErrors();
        var parsed = TimeRange.ParseOptional(range, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (from, to) = parsed is null ? CommitmentsService.MonthToDate(time.GetUtcNow()) : (parsed.From, parsed.To);
        var report = await CommitmentsService.ComputeAsync(db, ledger, governance.Commitments, from, to, ct);
        return TypedResults.Ok(new CommitmentList(
            report.From, report.To, report.Currency, [.. report.Commitments.Select(CommitmentView.Of)],
            [.. report.Findings.Select(f => new CommitmentFindingView(f.Kind, f.Subject, f.Summary, f.MonthlyAmountAtStake, f.Currency))]));
    }
}
