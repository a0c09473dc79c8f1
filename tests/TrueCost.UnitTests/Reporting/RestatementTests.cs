using TrueCost.Reporting.Restatements;
using TrueCost.Reporting.Weekly;

namespace TrueCost.UnitTests.Reporting;

/// <summary>When a published week is re-issued after its hours changed, and what the re-issue says changed.</summary>
public class RestatementTests
{
    private static readonly IsoWeek Week = IsoWeek.Parse("2026-W47");
    private static readonly DateTimeOffset First = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(10);

    [Fact]
    public void A_restatement_waits_while_changes_keep_arriving_within_the_quiet_period()
    {
        var pending = new PendingRestatement(Week, First, First.AddSeconds(50));

        Assert.False(RestatementDebounce.IsDue(pending, First.AddSeconds(79), Quiet, MaxDelay));
        Assert.True(RestatementDebounce.IsDue(pending, First.AddSeconds(80), Quiet, MaxDelay));
    }

    [Fact]
    public void A_steady_trickle_of_changes_cannot_postpone_a_restatement_past_the_max_delay()
    {
        var now = First + MaxDelay;
        var pending = new PendingRestatement(Week, First, now.AddSeconds(-1));

        Assert.True(RestatementDebounce.IsDue(pending, now, Quiet, MaxDelay));
        Assert.False(RestatementDebounce.IsDue(pending, now.AddSeconds(-2), Quiet, MaxDelay));
    }

    [Fact]
    public void The_same_pending_restatement_always_asks_with_the_same_request_id_and_a_later_one_with_another()
    {
        var pending = new PendingRestatement(Week, First, First.AddSeconds(5));

        Assert.Equal(RestatementDebounce.RequestId(pending), RestatementDebounce.RequestId(pending with { LastSeenAt = First.AddMinutes(3) }));
        Assert.NotEqual(RestatementDebounce.RequestId(pending), RestatementDebounce.RequestId(pending with { FirstSeenAt = First.AddHours(1) }));
        Assert.NotEqual(RestatementDebounce.RequestId(pending), RestatementDebounce.RequestId(pending with { Week = Week.Next() }));
    }

    [Fact]
    public void Each_hour_is_netted_from_its_first_previous_total_to_its_last_new_total_and_summed_per_day()
    {
        var monday = Week.Start;
        var restatement = ReportRestatement.Of(Guid.NewGuid(), First, 1_000m, 1_012.50m,
        [
            Change(1, monday.AddHours(9), 10m, 15m, "invoice line 7"),
            Change(2, monday.AddHours(14), null, 4m, "late usage"),
            Change(3, monday.AddHours(9), 15m, 13.50m, "invoice line 7 corrected"),
            Change(4, monday.AddDays(2).AddHours(3), 20m, 25m, "invoice line 8"),
        ]);

        Assert.Equal(12.50m, restatement.Delta);
        Assert.Equal(
            [(monday.AddHours(9), 10m, 13.50m), (monday.AddHours(14), 0m, 4m), (monday.AddDays(2).AddHours(3), 20m, 25m)],
            restatement.Hours.Select(h => (h.Hour, h.Before, h.After)));
        Assert.Equal(["invoice line 7", "invoice line 7 corrected"], restatement.Hours[0].Reasons);
        Assert.Equal(
            [(DateOnly.FromDateTime(monday.UtcDateTime), 2, 7.50m), (DateOnly.FromDateTime(monday.AddDays(2).UtcDateTime), 1, 5m)],
            restatement.Days.Select(d => (d.Day, d.Hours, d.Delta)));
    }

    [Fact]
    public void An_hour_that_changed_and_changed_back_is_not_listed()
    {
        var hour = Week.Start.AddHours(5);
        var restatement = ReportRestatement.Of(Guid.NewGuid(), First, 100m, 100m, [Change(1, hour, 10m, 12m, "a"), Change(2, hour, 12m, 10m, "b")]);

        Assert.Empty(restatement.Hours);
        Assert.Empty(restatement.Days);
    }

    [Fact]
    public void Html_and_markdown_of_a_restated_report_open_with_a_banner_naming_both_totals_and_list_the_changed_days()
    {
        var restates = Guid.NewGuid();
        var monday = Week.Start;
        var restatement = ReportRestatement.Of(restates, First, 1_234.50m, 1_300m, [Change(1, monday.AddHours(9), 10m, 75.50m, "invoice line 7")]);
        var report = WeeklyReportComposer.Compose(new WeeklyInputs(Week, "USD", [], [], []), [], First.AddDays(1)) with { Restatement = restatement };

        var markdown = MarkdownReportRenderer.Render(report);
        var html = HtmlReportRenderer.Render(report);

        foreach (var text in new[] { markdown, html })
        {
            Assert.Contains($"Restated: this report replaces report {restates}", text, StringComparison.Ordinal);
            Assert.Contains("Total 1,234.50 USD → 1,300.00 USD (+65.50 USD)", text, StringComparison.Ordinal);
            Assert.Contains("Restated: days that changed since the earlier report", text, StringComparison.Ordinal);
            Assert.Contains("2026-11-16 Mon", text, StringComparison.Ordinal);
        }

        Assert.Contains($"data-restates=\"{restates}\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_report_that_restates_nothing_has_no_restated_section()
    {
        var report = WeeklyReportComposer.Compose(new WeeklyInputs(Week, "USD", [], [], []), [], First);

        Assert.DoesNotContain("Restated", MarkdownReportRenderer.Render(report), StringComparison.Ordinal);
        Assert.DoesNotContain("Restated", HtmlReportRenderer.Render(report), StringComparison.Ordinal);
    }

    private static HourChange Change(long id, DateTimeOffset hour, decimal? before, decimal after, string reason) =>
        new(id, hour, before, after, "USD", reason, First.AddMinutes(id));
}
