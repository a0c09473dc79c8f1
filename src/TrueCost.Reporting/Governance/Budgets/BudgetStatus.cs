namespace TrueCost.Reporting.Governance.Budgets;

/// <summary>What a budget's current period has cost so far and where its forecast says it will end.</summary>
/// <param name="AsOf">The end of the last hour counted (the start of the current hour).</param>
/// <param name="ForecastExpected">Actual cost of the period's complete days plus the forecast of the rest (today at least what it has cost so far); null when there is no history to forecast from.</param>
/// <param name="ExceedsOn">The day the forecast crosses the amount, if it does within the period.</param>
/// <param name="ScopeMatched">False when the scope matched no cost row in the period nor in the forecast's history: a misspelt
/// tenant, route or model, whose budget would otherwise read a quiet zero.</param>
public sealed record BudgetStatus(
    BudgetDefinition Budget,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    DateTimeOffset AsOf,
    decimal Actual,
    decimal? ForecastExpected,
    decimal? ForecastLow,
    decimal? ForecastHigh,
    DateOnly? ExceedsOn,
    long UnpricedRequests,
    long UnpricedTokens,
    string Currency,
    bool ScopeMatched = true)
{
    public decimal PercentUsed => Math.Round(Actual / Budget.Amount * 100m, 1);

    /// <summary>The period for people: its first and last UTC day, both included (the API gives the exclusive end).</summary>
    public string PeriodDays => $"{PeriodStart:yyyy-MM-dd} – {PeriodEnd.AddDays(-1):yyyy-MM-dd}";

    public decimal? ForecastPercent => ForecastExpected is { } f ? Math.Round(f / Budget.Amount * 100m, 1) : null;

    /// <summary>Each threshold (actual, then forecast) and whether the period has reached it.</summary>
    public IReadOnlyList<ThresholdCheck> Thresholds()
    {
        var checks = Budget.ActualThresholds.Select(t => new ThresholdCheck(ThresholdMeasure.Actual, t, Actual >= Budget.Amount * t / 100m)).ToList();
        foreach (var t in Budget.ForecastThresholdsInUse)
        {
            // Once the actual cost has crossed a level, a forecast of crossing it says nothing new.
            var actualCrossed = checks.Any(c => c.Crossed && c.Percent >= t);
            checks.Add(new ThresholdCheck(ThresholdMeasure.Forecast, t, !actualCrossed && ForecastExpected >= Budget.Amount * t / 100m));
        }

        return checks;
    }
}

public enum ThresholdMeasure
{
    Actual,
    Forecast,
}

public sealed record ThresholdCheck(ThresholdMeasure Measure, decimal Percent, bool Crossed)
{
    /// <summary>The key of this threshold in a period, e.g. "actual:80".</summary>
    public string Key => $"{Measure.ToString().ToLowerInvariant()}:{Percent.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
