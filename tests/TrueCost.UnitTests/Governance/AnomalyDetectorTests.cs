using TrueCost.Ledger.Governance;

namespace TrueCost.UnitTests.Governance;

public class AnomalyDetectorTests
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly SeriesKey Acme = new("tenant", "acme", "total");
    private static readonly AnomalyOptions Options = new();

    /// <summary>Weeks of a business-hours profile (10 at night, 100 at 14:00 UTC, weekends halved) with ±5 % seeded noise.</summary>
    private static decimal[] Regular(int weeks)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, weeks * 168).Select(h =>
        {
            var at = Monday.AddHours(h);
            var profile = 10 + (90 * Math.Exp(-0.5 * Math.Pow((at.Hour - 14) / 3.0, 2)));
            var weekend = at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.5 : 1;
            return Math.Round((decimal)(profile * weekend * (0.95 + (0.1 * random.NextDouble()))), 2);
        })];
    }

    private static decimal[] Spiked(decimal[] hours, int from, int count, decimal factor)
    {
        var spiked = (decimal[])hours.Clone();
        for (var h = from; h < from + count; h++)
        {
            spiked[h] *= factor;
        }

        return spiked;
    }

    private static IReadOnlyList<Anomaly> Hourly(decimal[] hours) =>
        [.. AnomalyDetector.Detect(new CostSeries(Acme, Monday, hours), Monday, Options).Where(a => a.Granularity == AnomalyGranularity.Hour)];

    [Fact]
    public void A_clean_series_has_no_anomalies()
    {
        Assert.Empty(AnomalyDetector.Detect(new CostSeries(Acme, Monday, Regular(6)), Monday, Options));
    }

    [Fact]
    public void A_series_younger_than_the_minimum_history_has_no_anomalies_whatever_it_does()
    {
        var tenDays = Spiked(Regular(2)[..240], 230, 3, 20m);

        Assert.Empty(AnomalyDetector.Detect(new CostSeries(Acme, Monday, tenDays), Monday, Options));
    }

    /// <summary>
    /// A small tenant with a request in about one hour in six, each carrying its hour's share of the shared costs (2.00 to
    /// 3.00): an hour of 100.00 is no hourly anomaly, because almost every hour of such a series expects nothing; the same
    /// 100.00 on a series with cost in every hour is one. Its day is still judged: it is a daily anomaly.
    /// </summary>
    [Fact]
    public void A_series_idle_in_most_hours_is_judged_on_its_days_not_its_hours()
    {
        var random = new Random(11);
        var sparse = Enumerable.Range(0, 6 * 168).Select(_ => random.NextDouble() < 0.17 ? Math.Round(2m + (decimal)random.NextDouble(), 2) : 0m).ToArray();
        var spikeHour = (5 * 168) + 30;
        sparse[spikeHour] = 100m;
        var busy = Regular(6);
        busy[spikeHour] += 100m;

        var sparseAnomalies = AnomalyDetector.Detect(new CostSeries(Acme, Monday, sparse), Monday, Options);
        Assert.DoesNotContain(sparseAnomalies, a => a.Granularity == AnomalyGranularity.Hour);
        Assert.True(sparseAnomalies.Any(a => a.Granularity == AnomalyGranularity.Day && a.Start == Monday.AddDays(36)), string.Join("; ", sparseAnomalies));
        Assert.Contains(Hourly(busy), a => a.Start == Monday.AddHours(spikeHour));
    }

    [Fact]
    public void A_series_of_zeros_has_no_anomalies()
    {
        Assert.Empty(AnomalyDetector.Detect(new CostSeries(Acme, Monday, new decimal[6 * 168]), Monday, Options));
    }

    /// <summary>The hour after the spike comes out a few percent high and, being in an anomalous window, is taken in too.</summary>
    [Fact]
    public void Three_anomalous_hours_in_a_row_are_one_anomaly_from_the_first_taking_in_a_high_neighbour()
    {
        var start = (5 * 168) + 38; // Tuesday of week 6, 14:00
        var hours = Spiked(Regular(6), start, 3, 4m);

        var anomaly = Assert.Single(Hourly(hours));

        Assert.Equal((Monday.AddHours(start), Monday.AddHours(start + 4)), (anomaly.Start, anomaly.End));
        Assert.Equal(hours.Skip(start).Take(4).Sum(), anomaly.Actual);
        Assert.Equal(anomaly.Actual - anomaly.Expected, anomaly.Impact);
        Assert.InRange(anomaly.Impact, 0.6m * anomaly.Actual, 0.8m * anomaly.Actual);
        Assert.InRange(anomaly.Peak, anomaly.Start, anomaly.End.AddHours(-1));
        Assert.True(anomaly.Score >= Options.HourlyThreshold);
        Assert.False(anomaly.Open);
    }

    [Fact]
    public void An_anomaly_that_reaches_the_last_hour_is_open()
    {
        var untilMonday16 = (5 * 168) + 16;
        var hours = Spiked(Regular(6)[..untilMonday16], untilMonday16 - 2, 2, 5m);

        var anomaly = Assert.Single(Hourly(hours));

        Assert.True(anomaly.Open);
        Assert.Equal(Monday.AddHours(untilMonday16), anomaly.End);
    }

    [Fact]
    public void A_huge_past_spike_in_the_baseline_does_not_mask_a_new_one_at_the_same_hour_of_week()
    {
        var hour = (3 * 168) + 38;
        var hours = Spiked(Spiked(Regular(6), hour, 3, 30m), hour + 168 + 168, 3, 3m);

        var anomalies = Hourly(hours);

        Assert.Equal([Monday.AddHours(hour), Monday.AddHours(hour + 336)], anomalies.Select(a => a.Start));
    }

    [Fact]
    public void Later_hours_do_not_change_an_earlier_anomaly()
    {
        var start = (4 * 168) + 38;
        var hours = Spiked(Regular(6), start, 3, 4m);
        var changed = (decimal[])hours.Clone();
        for (var h = start + 24; h < changed.Length; h++)
        {
            changed[h] *= 3m;
        }

        Assert.Equal(Hourly(hours)[0], Hourly(changed)[0]);
    }

    [Fact]
    public void A_day_at_three_times_its_cost_is_a_daily_anomaly_of_that_day()
    {
        var day = (5 * 7) + 2;
        var hours = Spiked(Regular(6), day * 24, 24, 3m);

        var daily = Assert.Single(AnomalyDetector.Detect(new CostSeries(Acme, Monday, hours), Monday, Options), a => a.Granularity == AnomalyGranularity.Day);

        Assert.Equal((Monday.AddDays(day), Monday.AddDays(day + 1)), (daily.Start, daily.End));
        Assert.Equal(hours.Skip(day * 24).Take(24).Sum(), daily.Actual);
    }

    [Fact]
    public void A_spike_too_small_against_a_day_of_the_series_is_not_reported()
    {
        // Sunday 22:00 and 23:00 at five times their cost add about 40, under 8 % of a weekday (about 900).
        var hours = Spiked(Regular(6), (6 * 168) - 2, 2, 5m);

        Assert.Empty(Hourly(hours));
    }

    [Fact]
    public void Anomalies_before_the_requested_start_are_left_out()
    {
        var hours = Spiked(Regular(6), (4 * 168) + 38, 3, 4m);

        Assert.Empty(AnomalyDetector.Detect(new CostSeries(Acme, Monday, hours), Monday.AddDays(35), Options));
    }

    [Fact]
    public void A_bad_setting_is_refused_with_its_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new AnomalyOptions { MinimumHistoryWeeks = 5 }.Validate());

        Assert.Contains("Governance:Anomalies:MinimumHistoryWeeks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_reads_as_dimension_value_and_bucket()
    {
        Assert.Equal("tenant=acme/total", Acme.ToString());
    }
}
