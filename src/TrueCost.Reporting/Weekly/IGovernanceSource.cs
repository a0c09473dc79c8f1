using TrueCost.Ledger.Governance;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.Reporting.Weekly;

/// <summary>
/// Governance in the weekly report: the budgets' current periods and the month-end forecast as of
/// <see cref="AsOf"/> (when the report was generated), and the anomalies that started in the report's week.
/// </summary>
public sealed record WeeklyGovernance(DateTimeOffset AsOf, IReadOnlyList<BudgetStatus> Budgets, IReadOnlyList<Anomaly> Anomalies, IReadOnlyList<SeriesForecast> Forecasts);

/// <summary>Where the weekly report gets its budgets, anomalies and forecasts.</summary>
public interface IGovernanceSource
{
    Task<WeeklyGovernance> ForWeekAsync(IsoWeek week, CancellationToken ct);
}

/// <summary>Governance computed from the ledger with the configured budgets and methods, as the API shows it.</summary>
public sealed class LedgerGovernanceSource(GovernanceOptions options, GovernanceViews views, BudgetTracker tracker, TimeProvider time) : IGovernanceSource
{
    /// <summary>For a process without the service container (the CLI's one-shot report, the demo).</summary>
    public static LedgerGovernanceSource Create(Npgsql.NpgsqlDataSource dataSource, Ledger.Storage.LedgerOptions ledger, GovernanceOptions options, TimeProvider time)
    {
        var governanceLedger = new GovernanceLedger(dataSource, ledger);
        return new LedgerGovernanceSource(options, new GovernanceViews(governanceLedger, options), new BudgetTracker(governanceLedger, options.Forecast), time);
    }

    public async Task<WeeklyGovernance> ForWeekAsync(IsoWeek week, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var budgets = await tracker.StatusesAsync(options.Budgets, now, tenant: null, ct);

        return new WeeklyGovernance(now, budgets, await views.AnomaliesAsync(week.Start, week.End, tenant: null, ct), await views.ForecastsAsync(now, 30, tenant: null, ct));
    }
}
