namespace TrueCost.Ledger.Governance;

/// <summary>How daily cost is forecast (<see cref="CostForecaster"/>); bound from configuration section "Governance:Forecast".</summary>
public sealed class ForecastOptions
{
    public const string Section = "Governance:Forecast";

    /// <summary>The most recent days the model is fitted on; older days are ignored.</summary>
    public int HistoryDays { get; set; } = 56;

    /// <summary>The share of outcomes the band [Low, High] should hold (0.80: the 10th to the 90th percentile).</summary>
    public double Coverage { get; set; } = 0.80;

    public void Validate()
    {
        if (HistoryDays is < 14 or > 730)
        {
            throw new InvalidOperationException($"{Section}:HistoryDays {HistoryDays} is outside 14..730");
        }

        if (!double.IsFinite(Coverage) || Coverage is <= 0 or >= 1)
        {
            throw new InvalidOperationException($"{Section}:Coverage {Coverage} must be between 0 and 1, exclusive");
        }
    }
}
