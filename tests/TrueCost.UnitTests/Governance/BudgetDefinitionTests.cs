using System.Text.Json;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Alerts;
using TrueCost.Reporting.Governance.Budgets;
using TrueCost.Reporting.Messages;

namespace TrueCost.UnitTests.Governance;

public class BudgetDefinitionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 9, 13, 20, 0, TimeSpan.Zero);

    [Fact]
    public void A_monthly_period_runs_from_its_start_day_to_the_same_day_of_the_next_month()
    {
        var budget = new BudgetDefinition { Name = "b", Amount = 1, StartDay = 15 };
        Assert.Equal((At(2026, 11, 15), At(2026, 12, 15)), budget.PeriodContaining(Now));
        Assert.Equal((At(2026, 12, 15), At(2027, 1, 15)), budget.PeriodContaining(At(2026, 12, 15)));
        Assert.Equal((At(2026, 12, 1), At(2027, 1, 1)), new BudgetDefinition { Name = "m", Amount = 1 }.PeriodContaining(Now));
    }

    [Fact]
    public void A_weekly_period_is_the_iso_week_from_monday_and_a_daily_one_the_utc_day()
    {
        Assert.Equal((At(2026, 12, 7), At(2026, 12, 14)), new BudgetDefinition { Name = "w", Amount = 1, Period = BudgetPeriodKind.Week }.PeriodContaining(Now));
        Assert.Equal((At(2026, 12, 7), At(2026, 12, 14)), new BudgetDefinition { Name = "w", Amount = 1, Period = BudgetPeriodKind.Week }.PeriodContaining(At(2026, 12, 13, 23)));
        Assert.Equal((At(2026, 12, 9), At(2026, 12, 10)), new BudgetDefinition { Name = "d", Amount = 1, Period = BudgetPeriodKind.Day }.PeriodContaining(Now));
    }

    [Theory]
    [InlineData("", 10, 1, "total", "Name '' must be set")]
    [InlineData("has space", 10, 1, "total", "no spaces")]
    [InlineData("b", 0, 1, "total", "Amount 0 must be above zero")]
    [InlineData("b", 10, 29, "total", "StartDay 29 is outside 1..28")]
    [InlineData("b", 10, 1, "gpu", "Bucket 'gpu' is not one of total, direct_inference")]
    public void A_bad_budget_is_refused_naming_the_key(string name, decimal amount, int startDay, string bucket, string expected)
    {
        var options = new GovernanceOptions { Budgets = [new BudgetDefinition { Name = name, Amount = amount, StartDay = startDay, Scope = new BudgetScope { Bucket = bucket } }] };
        var e = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("Governance:Budgets:0", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BudgetPeriodKind.Week, "StartDay 15 applies to monthly budgets only; a Week period starts on Monday, UTC")]
    [InlineData(BudgetPeriodKind.Day, "StartDay 15 applies to monthly budgets only; a Day period starts on midnight, UTC")]
    public void A_start_day_on_a_budget_that_is_not_monthly_is_refused(BudgetPeriodKind period, string expected)
    {
        var options = new GovernanceOptions { Budgets = [new BudgetDefinition { Name = "b", Amount = 1, Period = period, StartDay = 15 }] };
        Assert.Contains(expected, Assert.Throws<InvalidOperationException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_budgets_of_one_name_and_a_threshold_out_of_range_are_refused()
    {
        var twice = new GovernanceOptions { Budgets = [new BudgetDefinition { Name = "b", Amount = 1 }, new BudgetDefinition { Name = "b", Amount = 2 }] };
        Assert.Contains("2 budgets named 'b'", Assert.Throws<InvalidOperationException>(twice.Validate).Message, StringComparison.Ordinal);
        var bad = new GovernanceOptions { Budgets = [new BudgetDefinition { Name = "b", Amount = 1, Thresholds = [80, 0] }] };
        Assert.Contains("threshold 0 %", Assert.Throws<InvalidOperationException>(bad.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thresholds_default_to_50_80_100_on_the_actual_and_100_on_the_forecast()
    {
        var status = Status(new BudgetDefinition { Name = "b", Amount = 200m }, actual: 170m, forecast: 230m);
        Assert.Equal(
            ["actual:50=True", "actual:80=True", "actual:100=False", "forecast:100=True"],
            status.Thresholds().Select(t => $"{t.Key}={t.Crossed}"));
    }

    [Fact]
    public void A_forecast_threshold_the_actual_cost_already_crossed_is_not_crossed_again_by_the_forecast()
    {
        var status = Status(new BudgetDefinition { Name = "b", Amount = 100m, Thresholds = [100], ForecastThresholds = [100] }, actual: 120m, forecast: 150m);
        Assert.Equal(["actual:100=True", "forecast:100=False"], status.Thresholds().Select(t => $"{t.Key}={t.Crossed}"));
    }

    [Fact]
    public void A_budget_alert_says_the_scope_the_figures_and_the_unpriced_usage_in_scope()
    {
        var budget = new BudgetDefinition { Name = "acme-gpu", Amount = 1000m, Hard = true, Scope = new BudgetScope { Tenant = "acme", Bucket = "direct_inference" } };
        var status = Status(budget, actual: 812.345m, forecast: 1210m, unpriced: 42);
        var alert = AlertText.ForBudget(status, status.Thresholds().Single(t => t.Key == "actual:80"), crossed: true);
        Assert.Equal("Budget acme-gpu reached 80 % of 1,000.00 USD", alert.Title);
        Assert.Equal("budget:acme-gpu:2026-12-01:actual:80", alert.AlertKey);
        Assert.Equal("acme", alert.Tenant);
        Assert.Contains("Scope: tenant=acme, bucket=direct_inference; month 2026-12-01 – 2026-12-31 (hard budget)", alert.Text, StringComparison.Ordinal);
        Assert.Contains("42 requests (37,800 tokens) in scope have no price", alert.Text, StringComparison.Ordinal);
        Assert.Equal("812.35", alert.Fields["actual"]);
        Assert.Equal("2026-12-24", alert.Fields["exceeds_on"]);
        var forecast = AlertText.ForBudget(status, new ThresholdCheck(ThresholdMeasure.Forecast, 100, true), crossed: true);
        Assert.Equal("Budget acme-gpu is forecast to reach 100 % (1,000.00 USD) of 1,000.00 USD by Dec 24", forecast.Title);
    }

    [Fact]
    public void The_slack_payload_has_fallback_text_and_one_mrkdwn_section_with_control_characters_escaped()
    {
        var alert = new GovernanceAlertRaised(7, "anomaly", "k", "detected", null, "Cost anomaly: route <chat> & co", "line 1\nline 2", new Dictionary<string, string>(), Now);
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(WebhookAlertChannel.SlackMessage(alert)));
        Assert.Equal("Cost anomaly: route <chat> & co", json.RootElement.GetProperty("text").GetString());
        var block = json.RootElement.GetProperty("blocks")[0];
        Assert.Equal("section", block.GetProperty("type").GetString());
        Assert.Equal("*Cost anomaly: route &lt;chat&gt; &amp; co*\nline 1\nline 2", block.GetProperty("text").GetProperty("text").GetString());
    }

    private static BudgetStatus Status(BudgetDefinition budget, decimal actual, decimal forecast, long unpriced = 0)
    {
        var (start, end) = budget.PeriodContaining(Now);
        return new BudgetStatus(budget, start, end, At(2026, 12, 9, 13), actual, forecast, forecast * 0.9m, forecast * 1.1m, new DateOnly(2026, 12, 24), unpriced, unpriced * 900, "USD");
    }

    private static DateTimeOffset At(int year, int month, int day, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);
}
