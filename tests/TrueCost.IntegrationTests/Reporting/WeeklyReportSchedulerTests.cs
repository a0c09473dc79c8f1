using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;
using TrueCost.Reporting.Weekly;

namespace TrueCost.IntegrationTests.Reporting;

public sealed class WeeklyReportSchedulerTests
{
    [Theory]
    [InlineData("2026-11-22T23:59:30Z", DayOfWeek.Monday, 0, "2026-11-23T00:00:00Z")]
    [InlineData("2026-11-23T00:00:00Z", DayOfWeek.Monday, 0, "2026-11-23T00:00:00Z")]
    [InlineData("2026-11-23T00:00:01Z", DayOfWeek.Monday, 0, "2026-11-30T00:00:00Z")]
    [InlineData("2026-11-23T05:00:00Z", DayOfWeek.Tuesday, 6, "2026-11-24T06:00:00Z")]
    [InlineData("2026-11-24T07:00:00+02:00", DayOfWeek.Tuesday, 6, "2026-11-24T06:00:00Z")]
    public void Next_run_is_the_first_configured_weekday_and_hour_in_utc_at_or_after_now(string now, DayOfWeek day, int hour, string expected)
    {
        var schedule = new ScheduleOptions { Day = day, Hour = hour };
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), schedule.NextAtOrAfter(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Every_monday_at_midnight_utc_the_scheduler_requests_the_week_that_just_ended()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-22T23:59:30Z", System.Globalization.CultureInfo.InvariantCulture));
        var requests = new ConcurrentQueue<WeeklyReportRequested>();
        var bus = Bus.Factory.CreateUsingInMemory(cfg => cfg.ReceiveEndpoint("requests", e => e.Handler<WeeklyReportRequested>(c =>
        {
            requests.Enqueue(c.Message);
            return Task.CompletedTask;
        })));
        await bus.StartAsync();
        using var scheduler = new WeeklyReportScheduler(bus, new ReportingBusOptions(), time, NullLogger<WeeklyReportScheduler>.Instance);
        try
        {
            await scheduler.StartAsync(CancellationToken.None);
            Assert.Empty(requests);

            time.Advance(TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(() => requests.Count == 1, TimeSpan.FromSeconds(10), () => "nothing requested at Monday 00:00");
            time.Advance(TimeSpan.FromDays(7));
            await Eventually.TrueAsync(() => requests.Count == 2, TimeSpan.FromSeconds(10), () => "nothing requested a week later");

            Assert.Equal("2026-W47,2026-W48", string.Join(',', requests.Select(r => r.IsoWeek)));
            Assert.All(requests, r => Assert.Equal(WeeklyReportScheduler.RequestedBy, r.RequestedBy));
            Assert.Equal(WeeklyReportScheduler.ScheduledRequestId(IsoWeek.Parse("2026-W47")), requests.First().RequestId);
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
            await bus.StopAsync();
        }
    }

    [Theory]
    [InlineData("2026-W47", "2026-11-16T00:00:00Z", "2026-W46", "2026-W48")]
    [InlineData("2026-W01", "2025-12-29T00:00:00Z", "2025-W52", "2026-W02")]
    [InlineData("2026-W53", "2026-12-28T00:00:00Z", "2026-W52", "2027-W01")]
    public void Iso_weeks_parse_to_monday_midnight_utc_and_step_across_years(string text, string start, string previous, string next)
    {
        var week = IsoWeek.Parse(text);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), week.Start);
        Assert.Equal(week.Start.AddDays(7), week.End);
        Assert.Equal((text, previous, next), (week.ToString(), week.Previous().ToString(), week.Next().ToString()));
        Assert.Equal(week, IsoWeek.Of(week.End.AddTicks(-1)));
    }

    [Theory]
    [InlineData("2026-W54")]
    [InlineData("2025-W53")]
    [InlineData("2026-47")]
    [InlineData("2026-W4")]
    [InlineData("")]
    public void Malformed_or_nonexistent_iso_weeks_are_rejected_with_the_expected_form(string text)
    {
        var error = Assert.Throws<FormatException>(() => IsoWeek.Parse(text));
        Assert.Matches("expected YYYY-Www|does not exist", error.Message);
    }
}
