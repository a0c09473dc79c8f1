using TrueCost.Ledger.Governance;
using TrueCost.Ledger.Time;

namespace TrueCost.Reporting.Governance;

/// <summary>A series' month-end forecast and its next days, each with the 80 % band.</summary>
public sealed record SeriesForecast(SeriesKey Key, MonthEndForecast MonthEnd, IReadOnlyList<ForecastPoint> Days);

/// <summary>
/// Anomalies and forecasts computed on demand from the ledger, the same way for the API, the CLI, the demo and the
/// weekly report: every tenant, route and model on its total, and every bucket (a tenant's own rows only when given).
/// </summary>
public sealed class GovernanceViews(GovernanceLedger ledger, GovernanceOptions options)
{
    /// <summary>How far past the range the ledger is read, so an anomaly that starts in it is reported whole, not cut at its end.</summary>
    public static readonly TimeSpan AnomalyExtent = TimeSpan.FromDays(7);

    /// <summary>
    /// Anomalies that start in [from, to), largest cost impact first; each baseline uses only the hours before it. Each is
    /// reported with its whole extent, read up to <see cref="AnomalyExtent"/> past <paramref name="to"/> or the newest hour
    /// of the ledger, whichever comes first: the same anomaly reads the same whatever range asks for it, and it is open
    /// when it lasts to the newest hour (an anomaly longer than that extent is open at its end).
    /// </summary>
    public async Task<IReadOnlyList<Anomaly>> AnomaliesAsync(DateTimeOffset from, DateTimeOffset to, string? tenant, CancellationToken ct)
    {
        var history = UtcHour.Floor(from).AddDays(-7 * (options.Anomalies.LookbackWeeks + 1));
        var extent = await ledger.ExtentAsync(tenant: null, ct);
        var until = extent.Until is { } newest ? Min(UtcHour.Floor(to) + AnomalyExtent, newest) : UtcHour.Floor(to);
        if (until <= history)
        {
            return [];
        }

        var series = await ledger.HourlySeriesAsync(history, until, tenant, ct);
        return [.. series.SelectMany(s => AnomalyDetector.Detect(s, from, options.Anomalies)).Where(a => a.Start < to).OrderByDescending(a => a.Impact)];
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>
    /// The forecast of every series as of the current hour: the month-end of the month containing the last complete
    /// day and the <paramref name="horizonDays"/> days after it, from <see cref="ForecastOptions.HistoryDays"/> of daily cost.
    /// </summary>
    public async Task<IReadOnlyList<SeriesForecast>> ForecastsAsync(DateTimeOffset now, int horizonDays, string? tenant, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var first = today.AddDays(-options.Forecast.HistoryDays);
        var start = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var series = await ledger.HourlySeriesAsync(start, start.AddDays(options.Forecast.HistoryDays), tenant, ct);
        return [.. series.Select(s =>
        {
            // Daily cost from the series' first day (it starts at its first hour with cost) to the last complete day.
            var firstDay = DateOnly.FromDateTime(s.Start.UtcDateTime);
            var daily = new decimal[today.DayNumber - firstDay.DayNumber];
            for (var i = 0; i < s.Hourly.Count; i++)
            {
                daily[DateOnly.FromDateTime(s.Start.AddHours(i).UtcDateTime).DayNumber - firstDay.DayNumber] += s.Hourly[i];
            }

            return new SeriesForecast(s.Key, CostForecaster.MonthEnd(daily, firstDay, today, options.Forecast), CostForecaster.Forecast(daily, firstDay, horizonDays, options.Forecast));
        })];
    }
}
