using System.Globalization;
using System.Text;
using TrueCost.Ledger.Governance;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.Api.Explorer;

/// <summary>
/// Budgets (their current period, as /v1/budgets), the anomalies that started in the range (as /v1/anomalies) and
/// the month-end forecast per bucket (as /v1/forecast), all from the caller's own rows for a tenant key.
/// </summary>
internal static class GovernancePage
{
    private const string Title = "Budgets & anomalies";
    private const int MaxAnomalies = 100;

    public static async Task<IResult> RenderAsync(
        HttpContext context, ExplorerQueries queries, GovernanceOptions options, BudgetTracker tracker, GovernanceViews views, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var (caller, view) = await ViewForm.ReadAsync(context, queries, time);
        var now = time.GetUtcNow();
        // Anomalies and forecasts each read weeks of hourly cost; they run beside the budgets, each on its own connection.
        var anomaliesRead = views.AnomaliesAsync(view.From, view.To, caller.Tenant, ct);
        var forecastsRead = views.ForecastsAsync(now, 30, caller.Tenant, ct);
        var budgets = await tracker.StatusesAsync(options.Budgets, now, caller.Tenant, ct);

        var anomalies = (await anomaliesRead).OrderByDescending(a => a.Impact).ToList();
        var forecasts = (await forecastsRead).Where(f => f.Key.Dimension == "bucket").ToList();

        var body = new StringBuilder();
        body.Append(Html.Problems(view.Problems));
        body.Append("<h2 id=\"h-budgets\">Budgets</h2>");
        body.Append(budgets.Count == 0
            ? "<p>No budget is configured for this key (Governance:Budgets, or <code>truecost budgets add</code>).</p>"
            : Html.Table("budgets", $"Each budget's current period as of {Html.Hour(now)} UTC", ["Budget", "Scope", "Period", "Amount", "Actual", "Used", "Forecast (80 % band)", "Goes over on", "Unpriced requests in scope", "Thresholds crossed"],
                budgets.Select(b => (IReadOnlyList<Cell>)
                [
                    Cell.Text(b.Budget.Name), Cell.Text(b.ScopeMatched ? b.Budget.Scope.ToString() : $"{b.Budget.Scope} (matches no cost)"),
                    Cell.Text(b.PeriodDays), Cell.Money(b.Budget.Amount), Cell.Money(b.Actual),
                    Cell.Number($"{b.PercentUsed.ToString("0.0", CultureInfo.InvariantCulture)} %"),
                    Cell.Number(b.ForecastExpected is { } f ? $"{Html.Money(f)} ({Html.Money(b.ForecastLow ?? f)}–{Html.Money(b.ForecastHigh ?? f)})" : "–"),
                    Cell.Text(b.ExceedsOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "–"), Cell.Count(b.UnpricedRequests),
                    Cell.Text(string.Join(", ", b.Thresholds().Where(t => t.Crossed).Select(t => $"{t.Measure.ToString().ToLowerInvariant()} {t.Percent.ToString("0", CultureInfo.InvariantCulture)} %")) is { Length: > 0 } crossed ? crossed : "none"),
                ])));

        body.Append("<h2 id=\"h-anomalies\">Anomalies</h2>");
        body.Append(ViewForm.Render("/ui/governance", view, caller));
        body.Append(Html.Table(
            "anomalies",
            $"Anomalies that started in {Html.Range(view.From, view.To)}, largest impact first{(anomalies.Count > MaxAnomalies ? $" (the first {MaxAnomalies} of {anomalies.Count})" : "")}",
            ["Series", "Bucket", "Granularity", "Start (UTC)", "End (UTC)", "Actual", "Expected", "Impact", "Score"],
            anomalies.Take(MaxAnomalies).Select(a => (IReadOnlyList<Cell>)
            [
                Cell.Text($"{a.Key.Dimension} {a.Key.Value}"), Cell.Text(a.Key.Bucket), Cell.Text(a.Granularity.ToString().ToLowerInvariant()),
                Cell.Text(Html.Hour(a.Start)), Cell.Text(a.Open ? "still open" : Html.Hour(a.End)), Cell.Money(Math.Round(a.Actual, 2)), Cell.Money(Math.Round(a.Expected, 2)),
                Cell.Number(Html.Signed(Math.Round(a.Impact, 2))), Cell.Number(a.Score.ToString("0.0", CultureInfo.InvariantCulture)),
            ])));

        body.Append("<h2 id=\"h-forecast\">Month-end forecast</h2>");
        body.Append(forecasts.Count == 0
            ? "<p>Not enough complete days of cost to forecast.</p>"
            : Html.Table("forecast", $"Forecast of the month per bucket as of {now:yyyy-MM-dd} (actual of the complete days + forecast of the rest)", ["Bucket", "Month", "Actual to date", "Month-end expected", "80 % band"],
                forecasts.Select(f => (IReadOnlyList<Cell>)
                [
                    Cell.Text(f.Key.Bucket), Cell.Text(f.MonthEnd.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture)), Cell.Money(f.MonthEnd.ActualToDate),
                    Cell.Money(f.MonthEnd.Expected), Cell.Number($"{Html.Money(f.MonthEnd.Low)} – {Html.Money(f.MonthEnd.High)}"),
                ])));
        return Html.Page(context, caller, Title, queries.Currency, body.ToString());
    }
}
