using TrueCost.Contracts.RequestLogs;

namespace TrueCost.Synthetic;

/// <summary>
/// One tenant sends <see cref="Requests"/> extra requests to one route within a few hours (a runaway
/// script), where <see cref="UsualRequests"/> are expected. They are taken from the history's total.
/// </summary>
public sealed record TrafficSpike(string Tenant, string Route, DateTimeOffset Start, int Hours, int Requests, double UsualRequests)
{
    /// <summary>Whether the request at <paramref name="index"/> of its day's <paramref name="total"/> is one of the spike's (spread evenly through the day's stream).</summary>
    public bool Takes(int index, int total) => (long)(index + 1) * Requests / total > (long)index * Requests / total;
}

/// <summary>A route's requests go to a pricier model for a while (a configuration change, rolled back later).</summary>
public sealed record ModelSwitch(string Route, string FromModel, string ToModel, DateTimeOffset Start, int Hours);

/// <summary>
/// A GPU pool serves nothing for a few hours: its GPUs idle, its routes' requests fail, and an incident
/// records about <see cref="FailedRequests"/> failed requests (the first attempts expected in those hours).
/// </summary>
public sealed record PoolOutage(string IncidentId, string Pool, DateTimeOffset Start, int Hours, long FailedRequests);

/// <summary>An injected anomaly as the demo prints it, to compare with what detection finds.</summary>
public sealed record InjectedAnomaly(string Kind, string Series, DateTimeOffset Start, int Hours, string Size);

/// <summary>
/// The anomalies a synthetic history carries, with their known truth: where they start, how long they
/// last and how big they are. They sit in the history's last two weeks, after normal weeks to compare with.
/// </summary>
public sealed record InjectedAnomalies(TrafficSpike Spike, ModelSwitch Switch, PoolOutage Outage)
{
    /// <summary>The spike carries this share of the history's requests.</summary>
    public const double SpikeShare = 0.01;

    public static InjectedAnomalies Place(SyntheticCalendar calendar, int requests)
    {
        DateTimeOffset DaysBeforeLast(int days) => calendar.LastDay.AddDays(-Math.Min(days, calendar.Days.Count - 1));
        var spikeStart = DaysBeforeLast(13).AddHours(3);
        var spikeUsual = ExpectedRequests(calendar, requests, r => r.Route == "/code/assist", spikeStart, 4) * RequestLogGenerator.TenantShare(12);
        var outageStart = DaysBeforeLast(11).AddHours(13);
        var outageFailed = ExpectedRequests(calendar, requests, r => r.GpuPool == "l40s-pool", outageStart, 3);
        return new(
            new TrafficSpike("tenant-12", "/code/assist", spikeStart, 4, (int)(requests * SpikeShare), spikeUsual),
            new ModelSwitch("/chat/support", "gpt-4o-mini", "gpt-4o", DaysBeforeLast(5), 24),
            new PoolOutage("INC-2026-0037", "l40s-pool", outageStart, 3, (long)Math.Round(outageFailed)));
    }

    public IReadOnlyList<InjectedAnomaly> Describe() =>
    [
        new("traffic spike", $"tenant {Spike.Tenant} on {Spike.Route}", Spike.Start, Spike.Hours, $"+{Spike.Requests:N0} requests where ≈ {Spike.UsualRequests:N1} are usual"),
        new("model switch", $"route {Switch.Route}", Switch.Start, Switch.Hours, $"{Switch.FromModel} → {Switch.ToModel}, same requests on a pricier model"),
        new("GPU pool outage", $"pool {Outage.Pool} ({Outage.IncidentId})", Outage.Start, Outage.Hours, $"GPUs idle, ≈ {Outage.FailedRequests:N0} failed requests and their retries"),
    ];

    /// <summary>What the switch and the outage do to a request generated as usual.</summary>
    public RequestLogRecord Apply(RequestLogRecord request)
    {
        if (request.Route == Switch.Route && Covers(Switch.Start, Switch.Hours, request.Timestamp))
        {
            request = request with { Model = Switch.ToModel };
        }

        if (request.GpuPool == Outage.Pool && Covers(Outage.Start, Outage.Hours, request.Timestamp))
        {
            request = request with { Status = RequestStatuses.Error, OutputTokens = 0, TimeToFirstTokenMs = null, ResponseBytes = 0 };
        }

        return request;
    }

    public bool PoolIsDown(string pool, DateTimeOffset at) => pool == Outage.Pool && Covers(Outage.Start, Outage.Hours, at);

    private static bool Covers(DateTimeOffset start, int hours, DateTimeOffset at) => at >= start && at < start.AddHours(hours);

    /// <summary>The first attempts the calendar and the routes' shapes expect on the matching routes in the window.</summary>
    private static double ExpectedRequests(SyntheticCalendar calendar, int requests, Func<SyntheticRoute, bool> matches, DateTimeOffset start, int hours)
    {
        var routes = RequestLogGenerator.Routes;
        var totalShare = routes.Sum(r => r.Share);
        return Enumerable.Range(0, hours)
            .Select(h => start.AddHours(h))
            .Sum(hour => requests * calendar.Weights[calendar.IndexOf(hour)] *
                routes.Where(matches).Sum(r => r.Share / totalShare * r.HourWeights[hour.Hour]));
    }
}
