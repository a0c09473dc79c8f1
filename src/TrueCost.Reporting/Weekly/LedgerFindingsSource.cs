using Npgsql;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Rightsizing;

namespace TrueCost.Reporting.Weekly;

/// <summary>
/// The week's coverage, breakeven, rightsizing and commitment findings, computed by <see cref="FindingsService"/> over the
/// same ledger; the configured commitments come from <paramref name="governance"/> (FOCUS ones only without it).
/// </summary>
public sealed class LedgerFindingsSource(NpgsqlDataSource dataSource, LedgerOptions ledger, FindingsOptions options, GovernanceOptions? governance = null) : IFindingsSource
{
    public async Task<IReadOnlyList<ReportFinding>> OpenFindingsAsync(IsoWeek week, CancellationToken ct)
    {
        var findings = await FindingsService.ComputeAsync(dataSource, ledger, options, week.Start, week.End, governance?.Commitments ?? [], ct);
        return [.. findings.Messages().Select(f => new ReportFinding(f.Kind, f.Subject, f.Summary, f.MonthlyAmountAtStake, f.Currency, f.Evidence))];
    }
}
