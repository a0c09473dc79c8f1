using System.Diagnostics;
using Npgsql;
using TrueCost.Benchmarks.Queries;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Benchmarks.Reports;

public sealed record ReportTimingResult(string Week, double Seconds, double FirstSeconds, double LoadSeconds, int Files);

/// <summary>
/// The weekly FinOps report over the seeded ledger: load and compose (<see cref="WeeklyReportBuilder"/>),
/// then render and write HTML with charts, Markdown and CSV (<see cref="WeeklyReportWriter"/>).
/// Run <see cref="Runs"/> times; the figure is the median, the first (cold) run is shown beside it.
/// </summary>
public static class WeeklyReportTiming
{
    private const int Runs = 3;

    public static async Task<ReportTimingResult> RunAsync(QueryData data, CancellationToken ct)
    {
        await using var db = NpgsqlDataSource.Create(data.ConnectionString);
        var builder = new WeeklyReportBuilder(db, new LedgerOptions(), new NoFindingsSource(), TimeProvider.System);

        // The last whole ISO week of the seeded range; the week before it, which the report compares with, is seeded too.
        var week = IsoWeek.Of(data.To.AddDays(-7));
        var output = Directory.CreateTempSubdirectory("truecost-bench-report-");
        try
        {
            var totals = new List<double>();
            var loads = new List<double>();
            var files = 0;
            for (var run = 0; run < Runs; run++)
            {
                var clock = Stopwatch.StartNew();
                var report = await builder.BuildAsync(week, ct);
                loads.Add(clock.Elapsed.TotalSeconds);
                files = (await WeeklyReportWriter.WriteAsync(report, output.FullName, ct)).Count;
                totals.Add(clock.Elapsed.TotalSeconds);
            }

            return new ReportTimingResult(week.ToString(), totals.Order().ElementAt(Runs / 2), totals[0], loads.Order().ElementAt(Runs / 2), files);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
