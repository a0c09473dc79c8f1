namespace TrueCost.Synthetic;

/// <summary>
/// Weeks of synthetic history ending on a UTC day, across all four topics: the same number of requests
/// spread over the days by the <see cref="SyntheticCalendar"/>, GPU samples (coarser before the last day),
/// each day's invoice lines, the last day's incident, and the <see cref="InjectedAnomalies"/> with the
/// incident of their pool outage. The late credit line comes last, after the traffic.
/// </summary>
public sealed class SyntheticHistory
{
    public const int DefaultWeeks = 5;

    public const int MaxWeeks = 12;

    /// <summary>GPU samples before the last day come once an hour (downsampled history): weeks of them stay small.</summary>
    public const int EarlierGpuIntervalSeconds = 3600;

    private readonly int _requests;
    private readonly int _seed;

    public SyntheticHistory(DateTimeOffset lastDay, int weeks, int requests, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weeks, MaxWeeks);
        Calendar = SyntheticCalendar.Weeks(lastDay, weeks);
        Anomalies = InjectedAnomalies.Place(Calendar, requests);
        _requests = requests;
        _seed = seed;
    }

    public SyntheticCalendar Calendar { get; }

    public InjectedAnomalies Anomalies { get; }

    public IEnumerable<SyntheticRecord> Generate() => Compose(Calendar, _requests, _seed, Anomalies);

    /// <summary>
    /// Each day's invoice lines, the incidents, GPU samples interleaved with request logs, and the last
    /// day's late credit; <see cref="SyntheticDay"/> is one day of it with nothing injected.
    /// </summary>
    internal static IEnumerable<SyntheticRecord> Compose(SyntheticCalendar calendar, int requests, int seed, InjectedAnomalies? anomalies)
    {
        var invoices = calendar.Days.Select((d, i) => new InvoiceLineGenerator(d, calendar.Load(i))).ToList();
        var incidents = new IncidentGenerator(calendar.LastDay).Generate();
        return invoices.SelectMany(i => i.Usage())
            .Concat(anomalies is null ? incidents : IncidentGenerator.Outage(anomalies.Outage).Concat(incidents))
            .Concat(Interleave(
                new GpuSampleGenerator(calendar, seed, intervalSeconds: 60, earlierIntervalSeconds: EarlierGpuIntervalSeconds, anomalies).Generate(),
                new RequestLogGenerator(calendar, requests, seed, anomalies: anomalies).Generate()))
            .Append(invoices[^1].LateCredit());
    }

    /// <summary>Alternates the two streams so both topics fill while ingest consumes them.</summary>
    private static IEnumerable<SyntheticRecord> Interleave(IEnumerable<SyntheticRecord> a, IEnumerable<SyntheticRecord> b)
    {
        using var left = a.GetEnumerator();
        using var right = b.GetEnumerator();
        bool moreLeft = left.MoveNext(), moreRight = right.MoveNext();
        while (moreLeft || moreRight)
        {
            if (moreLeft)
            {
                yield return left.Current;
                moreLeft = left.MoveNext();
            }

            if (moreRight)
            {
                yield return right.Current;
                moreRight = right.MoveNext();
            }
        }
    }
}
