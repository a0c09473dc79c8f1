using System.Globalization;
using Spectre.Console;
using TrueCost.Ledger.Queries;

namespace TrueCost.Cli.Output;

/// <summary>Renders usage_hourly query results for the terminal.</summary>
public static class UsageTables
{
    public static Table Hourly(IReadOnlyList<HourlyUsage> rows, string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(title)}[/]");
        foreach (var column in new[] { "hour", "requests", "errors", "retries", "input tokens", "output tokens", "self-hosted req", "API cost" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var r in rows)
        {
            table.AddRow(r.Hour.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture), N(r.Requests), N(r.Errors), N(r.Retries), N(r.InputTokens), N(r.OutputTokens), N(r.SelfHostedRequests), Money(r.ApiCost, r.Currency));
        }

        table.AddRow(
            "[bold]total[/]",
            Bold(N(rows.Sum(r => r.Requests))),
            Bold(N(rows.Sum(r => r.Errors))),
            Bold(N(rows.Sum(r => r.Retries))),
            Bold(N(rows.Sum(r => r.InputTokens))),
            Bold(N(rows.Sum(r => r.OutputTokens))),
            Bold(N(rows.Sum(r => r.SelfHostedRequests))),
            Bold(Money(rows.Sum(r => r.ApiCost), rows.Count > 0 ? rows[0].Currency : "USD")));
        return table;
    }

    public static Table ByRouteModel(IReadOnlyList<KeyUsage> rows, string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(title)}[/]");
        table.AddColumns("route", "model", "traffic class", "serving");
        foreach (var column in new[] { "requests", "tenants", "input tokens", "output tokens", "API cost", "per 1M tokens" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var r in rows)
        {
            var tokens = r.InputTokens + r.OutputTokens;
            var perMillion = tokens == 0 || r.ApiCost == 0 ? "-" : Money(r.ApiCost / tokens * 1_000_000m, r.Currency);
            table.AddRow(Markup.Escape(r.Route), Markup.Escape(r.Model), r.TrafficClass, Markup.Escape(r.Serving), N(r.Requests), N(r.Tenants), N(r.InputTokens), N(r.OutputTokens), Money(r.ApiCost, r.Currency), perMillion);
        }

        return table;
    }

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Money(decimal value, string currency) =>
        $"{Math.Round(value, 2, MidpointRounding.ToEven).ToString("N2", CultureInfo.InvariantCulture)} {currency}";

    private static string Bold(string text) => $"[bold]{text}[/]";
}
