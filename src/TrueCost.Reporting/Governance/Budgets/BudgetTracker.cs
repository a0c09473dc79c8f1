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

        var period = ForecastPeriod(daily, historyFirst, periodFirst, cost.Amount, remaining, budget.Amount, forecast);
        var exceedsOn = period.ExceedsOn;

        // A period already over its amount crosses it no later than today.
        if (cost.Amount >= budget.Amount)
        {
            exceedsOn = null;
        }

        return new BudgetStatus(
            budget, start, end, counted, cost.Amount, period.Expected, period.Low, period.High,
            exceedsOn, cost.UnpricedRequests, cost.UnpricedTokens, ledger.Currency);
    }

    /// <summary>
    /// Where a period ends: the cost of its complete days plus the forecast of its <paramref name="remaining"/> days from
    /// today, continuing <paramref name="daily"/> (the scope's cost per day from <paramref name="historyFirst"/> to
    /// yesterday). The history starts at the scope's first day with cost: the days before it (before the ledger's data
    /// began, or before a new tenant arrived) are not a history of zeros, which the trend would read as steep growth,
    /// as the series of /v1/forecast start at their first hour with cost. Today counts at least what it has cost so far
    /// (<paramref name="actual"/> less the complete days), so the period never ends below its actual cost.
    /// </summary>
    public static PeriodForecast ForecastPeriod(
        IReadOnlyList<decimal> daily, DateOnly historyFirst, DateOnly periodFirst, decimal actual, int remaining, decimal amount, ForecastOptions options)
    {
        ArgumentNullException.ThrowIfNull(daily);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(remaining);
        var first = Math.Max(0, daily.ToList().FindIndex(d => d != 0));
        var points = CostForecaster.Forecast([.. daily.Skip(first)], historyFirst.AddDays(first), remaining, options);
        var completeInPeriod = daily.Skip(Math.Max(0, periodFirst.DayNumber - historyFirst.DayNumber)).Sum();
        var today = Math.Max(0, actual - completeInPeriod);
        var (expected, low, high) = (completeInPeriod, completeInPeriod, completeInPeriod);
        DateOnly? exceedsOn = null;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            expected += i == 0 ? Math.Max(p.Expected, today) : p.Expected;
            low += i == 0 ? Math.Max(p.Low, today) : p.Low;
            high += i == 0 ? Math.Max(p.High, today) : p.High;
            if (exceedsOn is null && expected >= amount)
            {
                exceedsOn = p.Day;
            }
        }

        return new PeriodForecast(Math.Round(expected, 2), Math.Round(low, 2), Math.Round(high, 2), exceedsOn);
    }
}

/// <summary>A budget period's forecast end: expected cost with its 80 % band (the sum of its days' bands), and the day it reaches the amount.</summary>
public sealed record PeriodForecast(decimal Expected, decimal Low, decimal High, DateOnly? ExceedsOn);
