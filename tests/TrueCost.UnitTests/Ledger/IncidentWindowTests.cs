using TrueCost.Ledger.Incidents;

namespace TrueCost.UnitTests.Ledger;

/// <summary>An incident's cost window comes from its own records only, so a rebuild next month gives the same history.</summary>
public class IncidentWindowTests
{
    private static readonly DateTimeOffset Ten = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_open_incident_is_costed_up_to_its_latest_record_not_the_wall_clock()
    {
        var t = IncidentTimeline.Fold("inc-1", [Opened(Ten), new ResponderJoined("inc-1", "r1", Ten.AddMinutes(95), "alice", "sre", 1.5m)]);

        Assert.Equal(Ten.AddMinutes(95), t.End);
        Assert.Equal([Ten, Ten.AddHours(1)], t.HoursEverCovered());
    }

    [Fact]
    public void A_window_that_shrank_still_queues_the_hours_it_left()
    {
        // Responders logged until 13:30, then the resolution says 11:00: the window is 10:00-11:00, but 11-13 must be re-allocated.
        var t = IncidentTimeline.Fold("inc-1",
        [
            Opened(Ten),
            new ResponderJoined("inc-1", "r1", Ten.AddHours(3.5), "alice", "sre", 2m),
            new IncidentResolved("inc-1", "r2", Ten.AddHours(1), null, null),
        ]);

        Assert.Equal(Ten.AddHours(1), t.End);
        Assert.Equal([Ten, Ten.AddHours(1), Ten.AddHours(2), Ten.AddHours(3)], t.HoursEverCovered());
    }

    [Fact]
    public void Sla_credits_are_summed_per_currency_and_never_across()
    {
        var t = IncidentTimeline.Fold("inc-1",
        [
            Opened(Ten),
            new IncidentCreditIssued("inc-1", "c1", Ten.AddHours(2), -500m, "USD", "acme"),
            new IncidentCreditIssued("inc-1", "c2", Ten.AddHours(2), -200m, "EUR", "globex"),
            new IncidentCreditIssued("inc-1", "c3", Ten.AddHours(3), -100m, "USD", "initech"),
        ]);

        Assert.Equal(new Dictionary<string, decimal> { ["USD"] = -600m, ["EUR"] = -200m }, t.CreditsByCurrency);
    }

    private static IncidentOpened Opened(DateTimeOffset at) => new("inc-1", "o1", at, "sev2", "gateway 5xx", AffectedScope.Everything);
}
