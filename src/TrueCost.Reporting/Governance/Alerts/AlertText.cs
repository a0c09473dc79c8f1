using System.Globalization;
using TrueCost.Ledger.Governance;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.Reporting.Governance.Alerts;

/// <summary>An alert as people read it: title, text and the figures behind it, keyed so it is raised once.</summary>
public sealed record AlertText(string Kind, string AlertKey, string Transition, string? Tenant, string Title, string Text, IReadOnlyDictionary<string, string> Fields)
{
    public const string Crossed = "crossed";
    public const string Forecast = "forecast";
    public const string BackUnder = "back_under";
    public const string Detected = "detected";

    /// <summary>A budget threshold crossed (or, when <paramref name="crossed"/> is false, left again by a restatement).</summary>
    public static AlertText ForBudget(BudgetStatus status, ThresholdCheck check, bool crossed)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(check);
        var b = status.Budget;
        var period = status.PeriodDays;
        var level = Money(b.Amount * check.Percent / 100m, status.Currency);
        var (transition, title) = (check.Measure, crossed) switch
        {
            (ThresholdMeasure.Forecast, _) => (Forecast,
                $"Budget {b.Name} is forecast to reach {Pct(check.Percent)} ({level}) of {Money(b.Amount, status.Currency)}" +
                (status.ExceedsOn is { } on && check.Percent >= 100 ? $" by {on:MMM d}" : string.Empty)),
            (_, true) => (Crossed, $"Budget {b.Name} reached {Pct(check.Percent)} of {Money(b.Amount, status.Currency)}"),
            _ => (BackUnder, $"Budget {b.Name} is back under {Pct(check.Percent)} of {Money(b.Amount, status.Currency)} after a restatement"),
        };
        var unpriced = status.UnpricedRequests > 0
            ? $"{status.UnpricedRequests:N0} requests ({status.UnpricedTokens:N0} tokens) in scope have no price and are not in the actual"
            : "none";
        var text = string.Join('\n',
            $"Scope: {b.Scope}; {b.Period.ToString().ToLowerInvariant()} {period} ({(b.Hard ? "hard" : "soft")} budget)",
            $"Actual: {Money(status.Actual, status.Currency)} ({status.PercentUsed.ToString(CultureInfo.InvariantCulture)} %) as of {status.AsOf:yyyy-MM-dd HH:00}Z",
            status.ForecastExpected is { } f
                ? $"Forecast for the period: {Money(f, status.Currency)} (80 % band {Money(status.ForecastLow ?? f, status.Currency)} – {Money(status.ForecastHigh ?? f, status.Currency)})"
                : "Forecast for the period: not enough history",
            $"Unpriced usage: {unpriced}");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["budget"] = b.Name,
            ["scope"] = b.Scope.ToString(),
            ["period_start"] = status.PeriodStart.ToString("O", CultureInfo.InvariantCulture),
            ["period_end"] = status.PeriodEnd.ToString("O", CultureInfo.InvariantCulture),
            ["threshold"] = check.Key,
            ["amount"] = Number(b.Amount),
            ["actual"] = Number(status.Actual),
            ["percent_used"] = status.PercentUsed.ToString(CultureInfo.InvariantCulture),
            ["currency"] = status.Currency,
            ["hard"] = b.Hard ? "true" : "false",
            ["unpriced_requests"] = status.UnpricedRequests.ToString(CultureInfo.InvariantCulture),
            ["unpriced_tokens"] = status.UnpricedTokens.ToString(CultureInfo.InvariantCulture),
        };
        if (status.ForecastExpected is { } expected)
        {
            fields["forecast"] = Number(expected);
        }

        if (status.ExceedsOn is { } day)
        {
            fields["exceeds_on"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        var key = $"budget:{b.Name}:{status.PeriodStart:yyyy-MM-dd}:{check.Key}";
        return new AlertText("budget", key, transition, b.Scope.Tenant, title, text, fields);
    }

    public static AlertText ForAnomaly(Anomaly anomaly, string? tenant, string currency)
    {
        ArgumentNullException.ThrowIfNull(anomaly);
        var unit = anomaly.Granularity == AnomalyGranularity.Hour ? "hour" : "day";
        var subject = $"{anomaly.Key.Dimension} {anomaly.Key.Value}" + (anomaly.Key.Bucket == "total" ? string.Empty : $" ({anomaly.Key.Bucket})");
        var title = $"Cost anomaly: {subject} {Money(anomaly.Actual, currency)} against {Money(anomaly.Expected, currency)} expected " +
            $"({(anomaly.Impact >= 0 ? "+" : string.Empty)}{Money(anomaly.Impact, currency)}) from {anomaly.Start:yyyy-MM-dd HH:00}Z";
        var text = string.Join('\n',
            $"Series: {anomaly.Key} ({unit}ly baseline by {(unit == "hour" ? "hour of week" : "day of week")})",
            $"From {anomaly.Start:yyyy-MM-dd HH:00}Z to {anomaly.End:yyyy-MM-dd HH:00}Z{(anomaly.Open ? " and still lasting" : string.Empty)}; peak at {anomaly.Peak:yyyy-MM-dd HH:00}Z",
            $"Cost impact (actual − expected): {Money(anomaly.Impact, currency)}; robust score {anomaly.Score.ToString("F1", CultureInfo.InvariantCulture)}");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["series"] = anomaly.Key.ToString(),
            ["dimension"] = anomaly.Key.Dimension,
            ["value"] = anomaly.Key.Value,
            ["bucket"] = anomaly.Key.Bucket,
            ["granularity"] = unit,
            ["start"] = anomaly.Start.ToString("O", CultureInfo.InvariantCulture),
            ["end"] = anomaly.End.ToString("O", CultureInfo.InvariantCulture),
            ["actual"] = Number(anomaly.Actual),
            ["expected"] = Number(anomaly.Expected),
            ["impact"] = Number(anomaly.Impact),
            ["currency"] = currency,
        };
        return new AlertText("anomaly", KeyOf(anomaly), Detected, tenant, title, text, fields);
    }

    /// <summary>An anomaly's identity: its series, granularity and first period.</summary>
    public static string KeyOf(Anomaly anomaly) =>
        $"anomaly:{anomaly.Key}:{anomaly.Granularity.ToString().ToLowerInvariant()}:{anomaly.Start.UtcDateTime:yyyy-MM-ddTHH}";

    private static string Money(decimal amount, string currency) => string.Create(CultureInfo.InvariantCulture, $"{Math.Round(amount, 2, MidpointRounding.AwayFromZero):N2} {currency}");

    private static string Number(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero).ToString("F2", CultureInfo.InvariantCulture);

    private static string Pct(decimal percent) => string.Create(CultureInfo.InvariantCulture, $"{percent:0.##} %");
}
