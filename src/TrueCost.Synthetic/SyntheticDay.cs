namespace TrueCost.Synthetic;

/// <summary>One synthetic UTC day across all four topics, with nothing injected. The late credit line comes last, after the traffic.</summary>
public sealed class SyntheticDay(DateTimeOffset day, int requests, int seed = 42)
{
    public DateTimeOffset Day => day;

    public IEnumerable<SyntheticRecord> Generate() => SyntheticHistory.Compose(SyntheticCalendar.OneDay(day), requests, seed, anomalies: null);
}
