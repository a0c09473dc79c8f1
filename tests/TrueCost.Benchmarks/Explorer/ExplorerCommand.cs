using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using TrueCost.Benchmarks.Queries;
using TrueCost.Benchmarks.Setup;

namespace TrueCost.Benchmarks.Explorer;

/// <summary>
/// <c>explorer</c>: only the cost explorer's first view, over a ledger seeded with <c>--requests</c> requests (10 million
/// by default, as the full run's query stage), so the figure can be measured without the ingest stages.
/// </summary>
public static class ExplorerCommand
{
    private static readonly Option<long> Requests = new("--requests") { Description = "Requests seeded into the ledger", DefaultValueFactory = _ => BenchPlan.TargetRequests };
    private static readonly Option<int> Days = new("--days") { Description = "Days they are spread over", DefaultValueFactory = _ => 30 };
    private static readonly Option<int> Runs = new("--runs") { Description = "Timed runs of each page (after 2 warm-up runs)", DefaultValueFactory = _ => 30 };

    public static Command Create()
    {
        var command = new Command("explorer", "The cost explorer's first view (server and Chromium) over a seeded ledger; prints a table") { Requests, Days, Runs };
        command.SetAction(async (parse, ct) =>
        {
            var clock = Stopwatch.StartNew();
            await using var infra = await BenchInfrastructure.StartAsync(null, ct);
            AnsiConsole.WriteLine($"• seeding {parse.GetValue(Requests):N0} requests over {parse.GetValue(Days)} days…");
            var data = await QueryDataSeed.SeedAsync(await infra.CreateDatabaseAsync("explorer", ct), parse.GetValue(Requests), parse.GetValue(Days), ct);
            AnsiConsole.WriteLine($"  {data.CostRows:N0} cost_hourly and {data.UsageRows:N0} usage_hourly rows in {data.SeedSeconds:N1} s");
            var result = await ExplorerFirstView.RunAsync(data, parse.GetValue(Runs), ct);
            var table = new Table().AddColumns("measure", "p50", "p95");
            table.AddRow($"overview, default view (last 7 days), server", $"{result.ServerP50Ms:N1} ms", $"{result.ServerP95Ms:N1} ms");
            table.AddRow("explorer page, default view, server", "—", $"{result.ExplorerServerP95Ms:N1} ms");
            table.AddRow($"overview over all {parse.GetValue(Days)} days, server", "—", $"{result.MonthServerP95Ms:N1} ms");
            table.AddRow("first view in Chromium: navigation → overview chart drawn, nothing cached (a fresh context each run; target p95 < 1 s)",
                result.BrowserP50Ms is { } p50 ? $"{p50:N0} ms" : "skipped", result.BrowserP95Ms is { } p95 ? $"{p95:N0} ms" : Markup.Escape(result.BrowserNote ?? ""));
            table.AddRow("the same page opened again (script cached, as for a returning user)",
                result.WarmBrowserP50Ms is { } w50 ? $"{w50:N0} ms" : "skipped", result.WarmBrowserP95Ms is { } w95 ? $"{w95:N0} ms" : "—");
            AnsiConsole.Write(table);
            AnsiConsole.WriteLine($"{data.Requests:N0} requests in the ledger; {clock.Elapsed.TotalSeconds:N0} s in all");
        });
        return command;
    }
}
