using TrueCost.Ledger.Governance;
using TrueCost.Ledger.Time;

namespace TrueCost.Reporting.Governance.Budgets;

/// <summary>Computes a budget's <see cref="BudgetStatus"/> at an instant: its period's cost from the ledger and the period-end forecast.</summary>
public sealed class BudgetTracker(GovernanceLedger ledger, ForecastOptions forecast)
{
    /// <summary>
    /// Each budget's status at <paramref name="now"/>, in order; with a <paramref name="tenant"/>, only the budgets scoped
    /// to that tenant (what a tenant key may see).
    /// </summary>
    public async Task<IReadOnlyList<BudgetStatus>> StatusesAsync(IEnumerable<BudgetDefinition> budgets, DateTimeOffset now, string? tenant, CancellationToken ct)
    {
        var statuses = new List<BudgetStatus>();
        foreach (var budget in budgets.Where(b => tenant is null || b.Scope.Tenant == tenant))
        {
            statuses.Add(await StatusAsync(budget, now, ct));
        }

        return statuses;
    }

    public async Task<BudgetStatus> StatusAsync(BudgetDefinition budget, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var (start, end) = budget.PeriodContaining(now);
        var counted = UtcHour.Floor(now);
        var cost = await ledger.CostAsync(budget.Scope, start, counted, ct);

        // The forecast continues the complete days: those of the period so far, after HistoryDays of history. The
        // band is the sum of the days' bands, wider than the band of the sum (days' errors are not independent).
        var today = DateOnly.FromDateTime(counted.UtcDateTime);
        var periodFirst = DateOnly.FromDateTime(start.UtcDateTime);
        var lastDay = DateOnly.FromDateTime(end.UtcDateTime).AddDays(-1);
        var historyFirst = periodFirst.AddDays(-forecast.HistoryDays);
        var daily = await ledger.DailyAsync(budget.Scope, historyFirst, today, ct);
        var remaining = lastDay.DayNumber - today.DayNumber + 1;
        if (remaining <= 0 || daily.All(d => d == 0))
        {
            return new BudgetStatus(
                budget, start, end, counted, cost.Amount, remaining <= 0 ? cost.Amount : null, null, null, null, cost.UnpricedRequests, cost.UnpricedTokens, ledger.Currency,
                ScopeMatched: cost.Rows > 0 || daily.Any(d => d != 0));
        }

        var points = CostForecaster.Forecast(daily, historyFirst, remaining, forecast);
        var completeInPeriod = daily.Skip(periodFirst.DayNumber - historyFirst.DayNumber).Sum();
        var expected = completeInPeriod;
        DateOnly? exceedsOn = null;
        foreach (var p in points)
        {
            expected += p.Expected;
            if (exceedsOn is null && expected >= budget.Amount)
            {
                exceedsOn = p.Day;
            }
        }

        // A period already over its amount crosses it no later than today.
        if (cost.Amount >= budget.Amount)
        {
            exceedsOn = null;
        }

        return new BudgetStatus(
            budget, start, end, counted, cost.Amount,
            Math.Round(expected, 2), Math.Round(completeInPeriod + points.Sum(p => p.Low), 2), Math.Round(completeInPeriod + points.Sum(p => p.High), 2),
            exceedsOn, cost.UnpricedRequests, cost.UnpricedTokens, ledger.Currency);
    }
}
