using TrueCost.Ledger.Governance;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.UnitTests.Governance;

/// <summary>A budget period's forecast end (<see cref="BudgetTracker.ForecastPeriod"/>) over a scope's daily cost.</summary>
public class BudgetForecastTests
{
    private static readonly ForecastOptions Options = new();

    /// <summary>The ledger's first day: the scope has no cost before it.</summary>
    private static readonly DateOnly FirstCost = new(2026, 1, 22);

    private static readonly DateOnly March = new(2026, 3, 1);

    private static readonly DateOnly Today = new(2026, 3, 10);

    /// <summary>The month's days from today to its last, today included.</summary>
    private static readonly int Remaining = March.AddMonths(1).DayNumber - Today.DayNumber;

    /// <summary>Days from <see cref="FirstCost"/> to yesterday at 100 a weekday growing by 1 a day, weekends at half, ±5 % seeded noise.</summary>
    private static decimal[] Costs()
    {
        var random = new Random(5);
        return [.. Enumerable.Range(0, Today.DayNumber - FirstCost.DayNumber).Select(d =>
        {
            var weekend = FirstCost.AddDays(d).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.5 : 1;
            return Math.Round((decimal)((100 + d) * weekend * (0.95 + (0.1 * random.NextDouble()))), 2);
        })];
    }

    [Fact]
    public void Days_before_the_scopes_first_cost_are_not_read_as_a_history_of_zeros()
    {
        // The tracker reads HistoryDays before the period's start, which reaches back before the ledger's first day.
        var costs = Costs();
        var historyFirst = March.AddDays(-Options.HistoryDays);
        decimal[] daily = [.. Enumerable.Repeat(0m, FirstCost.DayNumber - historyFirst.DayNumber), .. costs];
        var toDate = costs[(March.DayNumber - FirstCost.DayNumber)..].Sum();

        var withZeros = BudgetTracker.ForecastPeriod(daily, historyFirst, March, toDate, Remaining, 1_000_000m, Options);
        var fromFirstCost = BudgetTracker.ForecastPeriod(costs, FirstCost, March, toDate, Remaining, 1_000_000m, Options);

        Assert.Equal(fromFirstCost, withZeros);

        // The same month-end as the forecast of /v1/forecast, whose series start at their first cost (to the cent per day).
        var monthEnd = CostForecaster.MonthEnd(costs, FirstCost, Today, Options);
        Assert.True(Math.Abs(monthEnd.Expected - withZeros.Expected) <= 0.01m * Remaining, $"budget {withZeros.Expected} vs month-end {monthEnd.Expected}");
    }

    [Fact]
    public void A_period_never_ends_below_what_it_has_already_cost()
    {
        // Today's hours so far cost 5,000, far above what the trend expects of the whole day.
        var costs = Costs();
        var toDate = costs[(March.DayNumber - FirstCost.DayNumber)..].Sum() + 5_000m;

        var period = BudgetTracker.ForecastPeriod(costs, FirstCost, March, toDate, Remaining, 4_000m, Options);

        Assert.True(period.Low >= toDate && period.Expected >= period.Low && period.High >= period.Expected, $"{period} with {toDate} spent");
        Assert.Equal(Today, period.ExceedsOn);
    }
}
