using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Commitments;

namespace TrueCost.Api.Commitments;

public sealed record CommitmentFindingView(string Kind, string Subject, string Summary, decimal MonthlyAmountAtStake, string Currency);

/// <summary>The range's commitments (fractions 0..1; coverage above 1 commits more than is used) and their findings.</summary>
public sealed record CommitmentList(DateTimeOffset From, DateTimeOffset To, string Currency, IReadOnlyList<CommitmentFigures> Commitments, IReadOnlyList<CommitmentFindingView> Findings);

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
            report.From, report.To, report.Currency, report.Commitments,
            [.. report.Findings.Select(f => new CommitmentFindingView(f.Kind, f.Subject, f.Summary, f.MonthlyAmountAtStake, f.Currency))]));
    }
}
