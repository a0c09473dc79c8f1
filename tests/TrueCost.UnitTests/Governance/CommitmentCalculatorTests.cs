using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Commitments;

namespace TrueCost.UnitTests.Governance;

public class CommitmentCalculatorTests
{
    private static readonly DateTimeOffset November = At(2026, 11, 1);

    [Fact]
    public void A_monthly_commitment_starting_mid_month_is_amortized_over_the_hours_of_its_term_only()
    {
        // 720 a month in November (720 h) is 1 an hour; the term starts on the 16th, so the month carries 15 days.
        var c = Gpu(amount: 720, start: At(2026, 11, 16), end: At(2027, 1, 1));
        Assert.Equal(360.00m, CommitmentCalculator.Amortized(c, November, At(2026, 12, 1)));

        // Across the month end each month's amount is spread over its own hours: 12 h of November, 12 h of December (744 h).
        Assert.Equal(Math.Round(12m + (12m * 720m / 744m), 2), CommitmentCalculator.Amortized(c, At(2026, 11, 30, 12), At(2026, 12, 1, 12)));

        // Nothing before the term starts.
        Assert.Equal(0m, CommitmentCalculator.Amortized(c, November, At(2026, 11, 16)));
    }

    [Fact]
    public void A_term_commitment_spreads_its_amount_evenly_over_the_hours_of_its_term()
    {
        var c = Gpu(amount: 1000, start: November, end: At(2026, 11, 11));
        c.Period = CommitmentPeriod.Term;
        Assert.Equal(300.00m, CommitmentCalculator.Amortized(c, November, At(2026, 11, 4)));
    }

    [Fact]
    public void A_gpu_reservation_is_used_by_the_busy_gpu_hours_of_its_pool_up_to_the_reserved_gpus()
    {
        var figures = FourHourReservation();

        // 2 GPUs at 2/h: busy 1 GPU-h → half used, busy 3 → all used (capped at 2), busy 0.5 → a quarter, no samples → none.
        Assert.Equal(8.00m, figures.Amortized);
        Assert.Equal(3.50m, figures.Used);
        Assert.Equal(4.50m, figures.Unused);
        Assert.Equal(0.4375m, figures.Utilization);

        // 8 reserved GPU-hours for 10 GPU-hours run; on demand 30 for 10 GPU-hours is 3 a GPU-hour against 1 reserved.
        Assert.Equal(0.8m, figures.Coverage);
        Assert.Equal(30.00m, figures.EligibleOnDemand);
        Assert.Equal(0.6667m, figures.Discount);
    }

    [Fact]
    public void A_token_commitment_is_short_by_the_committed_amount_less_the_on_demand_value_used_never_below_zero()
    {
        var c = new CommitmentDefinition { Name = "openai", Kind = CommitmentKind.TokenCommitment, Provider = "openai", Amount = 3000, Start = November, End = At(2026, 12, 1) };
        var short_ = CommitmentCalculator.TokenCommitment(c, new TokenUse(1800m, 9_000_000), November, At(2026, 12, 1), "USD");
        Assert.Equal((3000.00m, 1800.00m, 1200.00m), (short_.Amortized, short_.Used, short_.Unused));
        Assert.Equal(0.6m, short_.Utilization);
        Assert.Equal(1.6667m, short_.Coverage);

        var over = CommitmentCalculator.TokenCommitment(c, new TokenUse(3500m, 20_000_000), November, At(2026, 12, 1), "USD");
        Assert.Equal((3000.00m, 0.00m, 1m), (over.Used, over.Unused, over.Utilization));
    }

    [Fact]
    public void An_under_used_reservation_raises_a_finding_with_its_unused_cost_per_month()
    {
        var findings = CommitmentFindings.Build([FourHourReservation()]);
        var finding = Assert.Single(findings);
        Assert.Equal(CommitmentFindings.UnderUsed, finding.Kind);
        Assert.Equal("commitment r1", finding.Subject);

        // 4.50 unused in 4 hours is 810 in 720 hours.
        Assert.Equal(810.00m, finding.MonthlyAmountAtStake);
        Assert.Equal("43.8 %", finding.Evidence["utilization"]);
    }

    [Fact]
    public void Low_coverage_with_material_on_demand_spend_raises_a_finding_with_the_saving_at_the_commitments_discount()
    {
        // Used lines: 600 effective for 1,000 list (a 40 % discount); 4,000 on demand beside them: 20 % covered.
        var lines = new FocusCommitmentLines("ri-1", "pool p", November, At(2026, 11, 30, 23), 720, 600m, 0m, 1000m, 4000m, "USD");
        var focus = CommitmentCalculator.Focus(lines, CommitmentThresholds.Default);
        Assert.Equal((0.2m, 0.4m, 1m), (focus.Coverage, focus.Discount, focus.Utilization));

        var finding = Assert.Single(CommitmentFindings.Build([focus]));
        Assert.Equal(CommitmentFindings.CoverageLow, finding.Kind);

        // Covering up to 60 % of 5,000 at 40 % off: (0.6 − 0.2) × 5,000 × 0.4.
        Assert.Equal(800.00m, finding.MonthlyAmountAtStake);

        var small = CommitmentCalculator.Focus(lines with { UsedEffective = 6m, UsedList = 10m, UncoveredOnDemand = 40m }, CommitmentThresholds.Default);
        Assert.Empty(CommitmentFindings.Build([small]));
    }

    [Fact]
    public void Thresholds_of_the_commitment_decide_its_findings()
    {
        var c = Reservation();
        c.UtilizationThreshold = 0.4m;
        Assert.Empty(CommitmentFindings.Build([CommitmentCalculator.GpuReservation(c, PoolHours, At(2026, 11, 2), At(2026, 11, 2, 4), "USD")]));
    }

    [Theory]
    [InlineData(CommitmentKind.GpuReservation, null, 2.0, "Governance:Commitments:0 (r1):Pool is required")]
    [InlineData(CommitmentKind.GpuReservation, "p", 0.0, "Governance:Commitments:0 (r1):Quantity 0 must be the number of GPUs reserved")]
    [InlineData(CommitmentKind.GpuReservation, "p", 1.5, "whole number")]
    [InlineData(CommitmentKind.TokenCommitment, null, null, "Governance:Commitments:0 (r1):Provider is required")]
    public void A_bad_commitment_is_refused_naming_the_key(CommitmentKind kind, string? pool, double? quantity, string expected)
    {
        var c = new CommitmentDefinition { Name = "r1", Kind = kind, Pool = pool, Quantity = (decimal?)quantity, Amount = 10, Start = November, End = At(2026, 12, 1) };
        var e = Assert.Throws<InvalidOperationException>(new GovernanceOptions { Commitments = [c] }.Validate);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Terms_discounts_thresholds_and_names_are_checked()
    {
        Refused(c => c.Start = November.AddMinutes(30), "Governance:Commitments:0 (r1): Start 2026-11-01T00:30:00.0000000+00:00 and End");
        Refused(c => c.End = November, "End after Start");
        Refused(c => c.Amount = 0, "Governance:Commitments:0 (r1):Amount 0 must be above zero");
        Refused(c => c.Discount = 1, "Governance:Commitments:0 (r1):Discount 1 must be in [0, 1)");
        Refused(c => c.UtilizationThreshold = 80, "UtilizationThreshold 80 and CoverageThreshold 0.60 must be fractions");
        var duplicate = new GovernanceOptions { Commitments = [Reservation(), Reservation()] };
        Assert.Contains("Governance:Commitments has 2 commitments named 'r1'", Assert.Throws<InvalidOperationException>(duplicate.Validate).Message, StringComparison.Ordinal);
    }

    private static void Refused(Action<CommitmentDefinition> change, string expected)
    {
        var c = Reservation();
        change(c);
        var e = Assert.Throws<InvalidOperationException>(new GovernanceOptions { Commitments = [c] }.Validate);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static readonly PoolHourUse[] PoolHours =
    [
        new(At(2026, 11, 2, 0), 4m, 1m, 12m),
        new(At(2026, 11, 2, 1), 4m, 3m, 12m),
        new(At(2026, 11, 2, 2), 2m, 0.5m, 6m),
    ];

    private static CommitmentFigures FourHourReservation() =>
        CommitmentCalculator.GpuReservation(Reservation(), PoolHours, At(2026, 11, 2), At(2026, 11, 2, 4), "USD");

    /// <summary>2 GPUs for 1,440 a month: 2 an hour in November.</summary>
    private static CommitmentDefinition Reservation() => Gpu(amount: 1440, start: November, end: At(2026, 12, 1));

    private static CommitmentDefinition Gpu(decimal amount, DateTimeOffset start, DateTimeOffset end) =>
        new() { Name = "r1", Kind = CommitmentKind.GpuReservation, Pool = "p", Quantity = 2, Amount = amount, Start = start, End = end };

    private static DateTimeOffset At(int year, int month, int day, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);
}
