using System.Globalization;
using Spectre.Console;
using TrueCost.Ledger.Governance;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.Cli.Output;

/// <summary>Budgets, anomalies and forecasts as console tables, for the budgets, anomalies and forecast commands and the demo.</summary>
public static class GovernanceTables
{
    public static Table Budgets(IReadOnlyList<BudgetStatus> statuses)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Budgets: current period[/]");
        table.AddColumns("budget", "scope", "period");
        table.AddColumn(new TableColumn("amount").RightAligned());
        table.AddColumn(new TableColumn("actual").RightAligned());
        table.AddColumn(new TableColumn("used").RightAligned());
        table.AddColumn(new TableColumn("forecast (80 % band)").RightAligned());
        table.AddColumns("crossed", "unpriced in scope");
        foreach (var s in statuses)
        {
            var crossed = s.Thresholds().Where(t => t.Crossed).Select(t => t.Key).ToList();
            table.AddRow(
                Markup.Escape(s.Budget.Name + (s.Budget.Hard ? " (hard)" : string.Empty)),
                Markup.Escape(s.Budget.Scope.ToString()),
                s.PeriodDays,
                UsageTables.Money(s.Budget.Amount, s.Currency),
                UsageTables.Money(s.Actual, s.Currency),
                Percent(s.PercentUsed),
                s.ForecastExpected is { } f
                    ? $"{UsageTables.Money(f, s.Currency)} ({UsageTables.Money(s.ForecastLow ?? f, s.Currency)} – {UsageTables.Money(s.ForecastHigh ?? f, s.Currency)}){(s.ExceedsOn is { } on ? $", over on {on:MMM d}" : string.Empty)}"
                    : "not enough history",
                !s.ScopeMatched ? "[red]scope matches no cost: check its tenant, route, model or provider[/]" : crossed.Count == 0 ? "-" : Markup.Escape(string.Join(", ", crossed)),
                s.UnpricedRequests == 0 ? "none" : $"[yellow]{s.UnpricedRequests:N0} requests, {s.UnpricedTokens:N0} tokens[/]");
        }

        if (statuses.Count == 0)
        {
            table.Caption("no budget is configured: truecost budgets add --name … --amount …");
        }

        return table;
    }

    public static Table Anomalies(IReadOnlyList<Anomaly> anomalies, string currency, string range)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Cost anomalies starting {Markup.Escape(range)}[/]");
        table.AddColumns("series", "per", "from", "to");
        table.AddColumn(new TableColumn("actual").RightAligned());
        table.AddColumn(new TableColumn("expected").RightAligned());
        table.AddColumn(new TableColumn("impact").RightAligned());
        table.AddColumn(new TableColumn("score").RightAligned());
        foreach (var a in anomalies)
        {
            table.AddRow(
                Markup.Escape(a.Key.ToString()),
                a.Granularity == AnomalyGranularity.Hour ? "hour" : "day",
                $"{a.Start:yyyy-MM-dd HH:00}",
                a.Open ? "lasting" : $"{a.End:yyyy-MM-dd HH:00}",
                UsageTables.Money(a.Actual, currency),
                UsageTables.Money(a.Expected, currency),
                UsageTables.Money(a.Impact, currency),
                a.Score.ToString("F1", CultureInfo.InvariantCulture));
        }

        if (anomalies.Count == 0)
        {
            table.Caption("no anomaly above the cost floor (Governance:Anomalies)");
        }

        return table;
    }

    public static Table MonthEnd(IReadOnlyList<SeriesForecast> forecasts, string currency)
    {
        var month = forecasts.Count > 0 ? $" {forecasts[0].MonthEnd.Month:yyyy-MM}, as of {forecasts[0].MonthEnd.AsOf:yyyy-MM-dd}" : string.Empty;
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Month-end forecast{month}[/]");
        table.AddColumn("series");
        table.AddColumn(new TableColumn("to date").RightAligned());
        table.AddColumn(new TableColumn("month end").RightAligned());
        table.AddColumn(new TableColumn("80 % band").RightAligned());
        table.AddColumn(new TableColumn("next 30 days").RightAligned());
        foreach (var f in forecasts.OrderBy(f => f.Key.Dimension).ThenByDescending(f => f.MonthEnd.Expected))
        {
            table.AddRow(
                Markup.Escape(f.Key.ToString()),
                UsageTables.Money(f.MonthEnd.ActualToDate, currency),
                UsageTables.Money(f.MonthEnd.Expected, currency),
                $"{UsageTables.Money(f.MonthEnd.Low, currency)} – {UsageTables.Money(f.MonthEnd.High, currency)}",
                UsageTables.Money(f.Days.Take(30).Sum(d => d.Expected), currency));
        }

        return table;
    }

    private static string Percent(decimal p) => string.Create(CultureInfo.InvariantCulture, $"{p:0.#} %");
}
