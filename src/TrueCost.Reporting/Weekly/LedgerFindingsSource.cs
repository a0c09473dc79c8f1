using Npgsql;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Rightsizing;

namespace TrueCost.Reporting.Weekly;

/// <summary>The week's breakeven and rightsizing findings, computed by <see cref="FindingsService"/> over the same ledger.</summary>
public sealed class LedgerFindingsSource(NpgsqlDataSource dataSource, LedgerOptions ledger, FindingsOptions options) : IFindingsSource
{
    public async Task<IReadOnlyList<ReportFinding>> OpenFindingsAsync(IsoWeek week, CancellationToken ct)
    {
        var findings = await FindingsService.ComputeAsync(dataSource, ledger, options, week.Start, week.End, ct);
        return [.. findings.Messages().Select(f => new ReportFinding(f.Kind, f.Subject, f.Summary, f.MonthlyAmountAtStake, f.Currency, f.Evidence))];
    }
}
