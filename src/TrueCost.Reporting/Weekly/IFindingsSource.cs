namespace TrueCost.Reporting.Weekly;

/// <summary>Where the weekly report gets the open breakeven, rightsizing and incident findings it lists.</summary>
public interface IFindingsSource
{
    Task<IReadOnlyList<ReportFinding>> OpenFindingsAsync(IsoWeek week, CancellationToken ct);
}
