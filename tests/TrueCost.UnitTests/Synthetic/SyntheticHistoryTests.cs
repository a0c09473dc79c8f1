using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using TrueCost.Synthetic;

namespace TrueCost.UnitTests.Synthetic;

public class SyntheticHistoryTests
{
    private static readonly DateTimeOffset LastDay = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<(SyntheticHistory History, List<SyntheticRecord> Records)> FiveWeeks = new(() =>
    {
        var history = new SyntheticHistory(LastDay, weeks: 5, requests: 40_000, seed: 9);
        return (history, history.Generate().ToList());
    });

    private static List<RequestLogRecord> Requests => [.. Of<RequestLogRecord>(Topics.RequestLogs)];

    [Fact]
    public void Five_weeks_end_on_the_last_day_and_every_topic_covers_every_day()
    {
        var history = FiveWeeks.Value.History;
        var days = Enumerable.Range(0, 35).Select(d => LastDay.AddDays(d - 34)).ToList();

        Assert.Equal(days, history.Calendar.Days);
        Assert.Equal(LastDay.AddDays(1), history.Calendar.End);
        Assert.Equal(days, Requests.Select(r => Day(r.Timestamp)).Distinct().Order());
        Assert.Equal(days, Of<GpuSampleRecord>(Topics.GpuSamples).Select(s => Day(s.Timestamp)).Distinct().Order());
        Assert.Equal(days, Of<InvoiceLineRecord>(Topics.InvoiceLines).Select(l => Day(l.ChargePeriodStart)).Distinct().Order());
    }

    [Fact]
    public void Exactly_the_requests_asked_for_are_first_attempts_or_invalid_records()
    {
        var invalid = FiveWeeks.Value.Records.Count(r => r.Topic == Topics.RequestLogs && !r.Valid);

        Assert.Equal(40_000, Requests.Count(r => r.Attempt == 1) + invalid);
    }

    [Fact]
    public void Weekdays_are_busier_than_weekends_and_each_week_busier_than_the_one_before()
    {
        var usual = Requests.Where(r => r.Attempt == 1 && r.Tenant != FiveWeeks.Value.History.Anomalies.Spike.Tenant).ToList();
        var byDay = usual.GroupBy(r => Day(r.Timestamp)).ToDictionary(g => g.Key, g => (double)g.Count());
        var weekday = byDay.Where(d => d.Key.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).Average(d => d.Value);
        var weekend = byDay.Where(d => d.Key.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday).Average(d => d.Value);
        var weeks = usual.GroupBy(r => (Day(r.Timestamp) - FiveWeeks.Value.History.Calendar.Start).Days / 7).OrderBy(g => g.Key).Select(g => g.Count()).ToList();

        Assert.InRange(weekday / weekend, 1.7, 2.5);
        Assert.Equal(5, weeks.Count);
        Assert.True(weeks[^1] > weeks[0] * 1.08, $"the last week ({weeks[^1]}) should carry a few percent more than the first ({weeks[0]})");
    }

    [Fact]
    public void The_same_seed_gives_the_same_history_and_another_seed_another()
    {
        static IEnumerable<string> Run(int seed) => new SyntheticHistory(LastDay, 2, 3_000, seed).Generate().Select(r => r.Topic + Convert.ToHexString(r.Value));

        Assert.Equal(Run(4), Run(4));
        Assert.NotEqual(Run(4), Run(5));
    }

    [Fact]
    public void The_traffic_spike_sends_its_tenant_its_requests_on_its_route_in_its_hours()
    {
        var spike = FiveWeeks.Value.History.Anomalies.Spike;
        var inWindow = Requests.Count(r => r.Attempt == 1 && r.Tenant == spike.Tenant && r.Route == spike.Route && r.Timestamp >= spike.Start && r.Timestamp < spike.Start.AddHours(spike.Hours));

        Assert.Equal(400, spike.Requests);
        Assert.InRange(inWindow, spike.Requests, spike.Requests + (5 * spike.UsualRequests) + 5);
    }

    [Fact]
    public void The_model_switch_serves_its_route_on_the_pricier_model_only_during_the_switch()
    {
        var change = FiveWeeks.Value.History.Anomalies.Switch;
        var route = Requests.Where(r => r.Route == change.Route).ToList();
        bool During(RequestLogRecord r) => r.Timestamp >= change.Start && r.Timestamp < change.Start.AddHours(change.Hours);

        Assert.All(route.Where(During), r => Assert.Equal(change.ToModel, r.Model));
        Assert.All(route.Where(r => !During(r)), r => Assert.Equal(change.FromModel, r.Model));
        Assert.Contains(route, During);
    }

    [Fact]
    public void The_pool_outage_fails_its_routes_idles_its_gpus_and_opens_its_incident()
    {
        var outage = FiveWeeks.Value.History.Anomalies.Outage;
        bool During(DateTimeOffset at) => at >= outage.Start && at < outage.Start.AddHours(outage.Hours);
        var failing = Requests.Where(r => r.GpuPool == outage.Pool && During(r.Timestamp)).ToList();
        var samples = Of<GpuSampleRecord>(Topics.GpuSamples).Where(s => s.Pool == outage.Pool && During(s.Timestamp)).ToList();
        var incident = Of<IncidentRecord>(Topics.Incidents).Where(i => i.IncidentId == outage.IncidentId).ToList();

        Assert.All(failing, r => Assert.Equal(RequestStatuses.Error, r.Status));
        Assert.InRange(failing.Count(r => r.Attempt == 1), outage.FailedRequests * 0.7, outage.FailedRequests * 1.3);
        Assert.All(samples, s => Assert.InRange(s.GpuUtilPercent, 0, 3));
        Assert.Equal(outage.Hours * (3600 / SyntheticHistory.EarlierGpuIntervalSeconds) * GpuSampleGenerator.Pools.Single(p => p.Pool == outage.Pool).Gpus, samples.Count);
        Assert.Equal(outage.Start, incident.Single(i => i.Type == IncidentRecordTypes.Opened).Timestamp);
        Assert.Equal(outage.FailedRequests, incident.Single(i => i.Type == IncidentRecordTypes.Resolved).FailedRequests);
    }

    [Fact]
    public void Anomalies_sit_inside_the_history_after_its_first_week_and_are_described()
    {
        var history = FiveWeeks.Value.History;
        var described = history.Anomalies.Describe();

        Assert.Equal(3, described.Count);
        Assert.All(described, a => Assert.InRange(a.Start, history.Calendar.Start.AddDays(7), history.Calendar.End.AddHours(-a.Hours)));
        Assert.All(described, a => Assert.False(string.IsNullOrWhiteSpace(a.Size)));
    }

    [Fact]
    public void One_week_still_holds_every_anomaly_inside_it()
    {
        var history = new SyntheticHistory(LastDay, weeks: 1, requests: 2_000);

        Assert.All(history.Anomalies.Describe(), a => Assert.InRange(a.Start, history.Calendar.Start, history.Calendar.End.AddHours(-a.Hours)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    public void Weeks_outside_one_to_twelve_are_refused(int weeks) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticHistory(LastDay, weeks, 1_000));

    [Fact]
    public void A_split_over_the_days_sums_to_the_total() =>
        Assert.Equal(12_345, SyntheticCalendar.Weeks(LastDay, 3).Split(12_345).Sum());

    private static IEnumerable<T> Of<T>(string topic) =>
        FiveWeeks.Value.Records.Where(r => r.Topic == topic && r.Valid).Select(r => JsonSerializer.Deserialize<T>(r.Value, WireJson.Options)!);

    private static DateTimeOffset Day(DateTimeOffset at) => new(at.UtcDateTime.Date, TimeSpan.Zero);
}
