using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using TrueCost.GovernanceEvaluation;
using TrueCost.Ledger.Governance;

namespace TrueCost.Benchmarks.Governance;

/// <summary>
/// <c>governance</c>: the accuracy of the anomaly detector and the month-end forecaster on known-truth histories
/// (<see cref="GovernanceEvaluation.GovernanceEvaluation"/>), the same evaluation the unit tests gate on. Needs no infrastructure.
/// </summary>
public static class GovernanceCommand
{
    private static readonly Option<int> Series = new("--series") { Description = "Synthetic series", DefaultValueFactory = _ => GovernanceEvaluation.GovernanceEvaluation.DefaultSeries };
    private static readonly Option<int> Seed = new("--seed") { Description = "Seed of the histories", DefaultValueFactory = _ => GovernanceEvaluation.GovernanceEvaluation.DefaultSeed };

    public static Command Create()
    {
        var command = new Command("governance", "Accuracy of anomaly detection and month-end forecasts on known-truth synthetic histories") { Series, Seed };
        command.SetAction(parse =>
        {
            var series = parse.GetValue(Series);
            if (series is < 1 or > 100_000)
            {
                throw new BenchmarkException($"--series {series} is outside 1..100000");
            }

            var clock = Stopwatch.StartNew();
            var figures = GovernanceEvaluation.GovernanceEvaluation.Run(series, parse.GetValue(Seed));
            AnsiConsole.Write(Render(figures));
            AnsiConsole.WriteLine($"{clock.Elapsed.TotalSeconds:N1} s; seed {parse.GetValue(Seed)}");
        });
        return command;
    }

    private static Table Render(GovernanceFigures figures)
    {
        var (hourly, daily, forecast) = (figures.Hourly, figures.Daily, figures.Forecast);
        var options = new AnomalyOptions();
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Governance accuracy: {figures.Series} known-truth series, {figures.Weeks:N1} weeks scored")
            .AddColumn("measure").AddColumn(new TableColumn("hourly").RightAligned()).AddColumn(new TableColumn("daily").RightAligned()).AddColumn("target");
        table.AddRow("injected anomalies above the cost floor (hourly ≥ " + $"{options.MinimumHourlyImpact:N2} and {options.MinimumHourlyShareOfDay:P0} of a day; daily ≥ {options.MinimumDailyImpact:N2}, {options.MinimumDailyShareOfDay:P0} of a day and +50 % of its day)",
            $"{hourly.Eligible:N0}", $"{daily.Eligible:N0}", "—");
        table.AddRow("recall (an anomaly overlaps the injected one)", $"{hourly.Recall:P1}", $"{daily.Recall:P1}", "≥ 90 %");
        table.AddRow("  on ordinary series", $"{hourly.OrdinaryRecall:P1}", $"{daily.OrdinaryRecall:P1}", "");
        table.AddRow($"  on bursty low-volume routes ({hourly.BurstyEligible:N0} hourly, {daily.BurstyEligible:N0} daily anomalies)", $"{hourly.BurstyRecall:P1}", $"{daily.BurstyRecall:P1}", "");
        table.AddRow("false alarms per 100 series-weeks, clean histories", $"{hourly.FalseAlarmsPer100SeriesWeeks:N2} ({hourly.FalseAlarms:N0})",
            $"{daily.FalseAlarmsPer100SeriesWeeks:N2} ({daily.FalseAlarms:N0})", "≤ 1");
        table.AddRow("mean impact error of detected anomalies (|found − injected| / injected)", $"{hourly.MeanImpactError:P1}", $"{daily.MeanImpactError:P1}", "—");
        var ceiling = figures.Ceiling;
        table.AddRow(
            $"oracle that knows each hour's true expected cost, at the same false-alarm budget ({ceiling.FalseAlarms:N0} series-weeks over {ceiling.Threshold:N2} sd): recall (ordinary / bursty)",
            $"{ceiling.Recall:P1} ({ceiling.OrdinaryRecall:P1} / {ceiling.BurstyRecall:P1})", "", "reference");
        table.AddEmptyRow();
        table.AddRow($"month-end forecasts ({forecast.SeriesMonths:N0} series-months, {forecast.Forecasts:N0} as-of days)", "", "", "");
        foreach (var (day, mape) in forecast.MapeByAsOfDay)
        {
            table.AddRow($"  MAPE as of day {day}", $"{mape:P2}", "", "");
        }

        table.AddRow("  MAPE, as of days 10 to the day before the last", $"{forecast.Mape:P2}", "", "≤ 10 % and < seasonal naive");
        table.AddRow("  seasonal naive MAPE (same weekday one week earlier)", $"{forecast.NaiveMape:P2}", "", "—");
        table.AddRow("  month-ends inside the 80 % band", $"{forecast.Coverage:P1}", "", "≈ 80 %");
        return table;
    }
}
