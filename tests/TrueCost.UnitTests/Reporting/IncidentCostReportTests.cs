using System.Text.Json;
using TrueCost.Ledger.Incidents;
using TrueCost.Reporting.Incidents;

namespace TrueCost.UnitTests.Reporting;

/// <summary>
/// INC-7 on /agent/plan: responders 3 h × 200 + 2.5 h × 160 + 4 h × 140 = 1,560; 1,800 failed
/// requests × 0.02 = 36; a 250 credit. cost_hourly holds 1,900 of incident cost on the route, so
/// 54 is GPU time and retry tokens wasted.
/// </summary>
public class IncidentCostReportTests
{
    private static readonly DateTimeOffset Opened = new(2026, 11, 16, 14, 5, 0, TimeSpan.Zero);
    private static readonly AffectedScope AgentPlan = new(["/agent/plan"], [], [], ["h100-pool"]);

    [Fact]
    public void Markdown_shows_the_total_and_every_component_and_they_add_up()
    {
        var report = Report();

        var md = IncidentCostRenderer.ToMarkdown(report);

        Assert.Equal((1_560.00m, 36.00m, 250.00m, 54.00m), (report.ResponderTime, report.FailedRequests, report.SlaCredits, report.WastedGpuAndRetryTokens));
        Assert.Equal(report.Total, report.Components.Sum(c => c.Amount));
        Assert.Equal(1_900.00m, report.Total);
        Assert.Contains("| Responder time (9.5 h) | 1,560.00 |", md, StringComparison.Ordinal);
        Assert.Contains("| Failed requests (1,800) | 36.00 |", md, StringComparison.Ordinal);
        Assert.Contains("| SLA credits | 250.00 |", md, StringComparison.Ordinal);
        Assert.Contains("| Wasted GPU and retry tokens | 54.00 |", md, StringComparison.Ordinal);
        Assert.Contains("| **Total** | **1,900.00** |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_lists_affected_routes_tenants_and_the_timeline()
    {
        var md = IncidentCostRenderer.ToMarkdown(Report());

        Assert.Contains("| /agent/plan | tenant-01 | 1,000.00 |", md, StringComparison.Ordinal);
        Assert.Contains("| /agent/plan | tenant-02 | 900.00 |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("/chat", md, StringComparison.Ordinal);
        Assert.Contains("- 2026-11-16 14:05 opened (sev2): Agent planning 5xx", md, StringComparison.Ordinal);
        Assert.Contains("dana joined as incident_commander (3 h at 200.00/h)", md, StringComparison.Ordinal);
        Assert.Contains("SLA credit 250.00 USD to tenant-01", md, StringComparison.Ordinal);
        Assert.Contains("[postmortem](https://wiki.example.com/pm/INC-7)", md, StringComparison.Ordinal);
        Assert.Contains("Window: 2026-11-16 14:05 → 2026-11-16 15:40 UTC (1 h 35 min)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_carries_the_same_totals()
    {
        using var json = JsonDocument.Parse(IncidentCostRenderer.ToJson(Report()));
        var root = json.RootElement;

        Assert.Equal(1_900.00m, root.GetProperty("total").GetDecimal());
        Assert.Equal(54.00m, root.GetProperty("wasted_gpu_and_retry_tokens").GetDecimal());
        Assert.Equal("INC-7", root.GetProperty("incident_id").GetString());
        Assert.Equal(2, root.GetProperty("affected").GetArrayLength());
        Assert.Equal(3, root.GetProperty("responders").GetArrayLength());
    }

    [Fact]
    public void Waste_is_never_negative_when_the_window_is_not_yet_allocated()
    {
        var report = IncidentCostReport.Build(Row(), [], Timeline(), new IncidentCostOptions(), "USD");

        Assert.Equal(0m, report.WastedGpuAndRetryTokens);
        Assert.Equal(1_846.00m, report.Total);
        Assert.Contains("No allocated incident cost", IncidentCostRenderer.ToMarkdown(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_event_stream_the_timeline_comes_from_the_row()
    {
        var report = IncidentCostReport.Build(Row(), CostRows(), timeline: null, new IncidentCostOptions(), "USD");

        Assert.Equal(["opened (sev2): Agent planning 5xx", "mitigated", "resolved"], report.Timeline.Select(t => t.What));
        Assert.Empty(report.Responders);
    }

    private static IncidentCostReport Report() => IncidentCostReport.Build(Row(), CostRows(), Timeline(), new IncidentCostOptions(), "USD");

    private static IncidentRow Row() => new(
        "INC-7", "sev2", "Agent planning 5xx", Opened, Opened.AddMinutes(65), Opened.AddMinutes(95), Opened, Opened.AddMinutes(95),
        1_800, 9.5m, 1_560m, 36m, 250m, AgentPlan, "https://wiki.example.com/pm/INC-7", Records: 6);

    private static IncidentBucketRow[] CostRows() =>
    [
        new(Opened.AddMinutes(-5), "/agent/plan", "tenant-01", "llama-70b", "interactive", 600m),
        new(Opened.AddMinutes(55), "/agent/plan", "tenant-01", "llama-70b", "interactive", 400m),
        new(Opened.AddMinutes(55), "/agent/plan", "tenant-02", "llama-70b", "interactive", 900m),
        new(Opened.AddMinutes(55), "/chat", "tenant-03", "gpt-4o-mini", "interactive", 500m),
    ];

    private static IncidentTimeline Timeline() => IncidentTimeline.Fold("INC-7",
    [
        new IncidentOpened("INC-7", "r1", Opened, "sev2", "Agent planning 5xx", AgentPlan),
        new ResponderJoined("INC-7", "r2", Opened.AddMinutes(3), "dana", "incident_commander", 3m),
        new ResponderJoined("INC-7", "r3", Opened.AddMinutes(8), "lee", "sre", 2.5m),
        new ResponderJoined("INC-7", "r4", Opened.AddMinutes(20), "sam", "engineer", 4m),
        new IncidentMitigated("INC-7", "r5", Opened.AddMinutes(65)),
        new IncidentResolved("INC-7", "r6", Opened.AddMinutes(95), "https://wiki.example.com/pm/INC-7", 1_800),
        new IncidentCreditIssued("INC-7", "r7", Opened.AddMinutes(120), 250m, "USD", "tenant-01"),
    ]);
}
