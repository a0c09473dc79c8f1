namespace TrueCost.Reporting.Weekly;

/// <summary>For building a report without its findings (timing the report alone); the report then lists none.</summary>
public sealed class NoFindingsSource : IFindingsSource
{
    public Task<IReadOnlyList<ReportFinding>> OpenFindingsAsync(IsoWeek week, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ReportFinding>>([]);
}
