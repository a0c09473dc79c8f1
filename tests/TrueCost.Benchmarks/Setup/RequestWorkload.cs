using TrueCost.Synthetic;

namespace TrueCost.Benchmarks.Setup;

/// <summary>One request-log record as it travels on the wire: its id and its JSON value.</summary>
public readonly record struct WireRecord(string Id, byte[] Json);

/// <summary>
/// The request records every stage works on: the synthetic generator's records (no deliberately
/// invalid ones, so every record must be stored) for yesterday (UTC), which the parser accepts.
/// </summary>
public static class RequestWorkload
{
    public static DateTimeOffset Day => new(DateTime.UtcNow.Date.AddDays(-1), TimeSpan.Zero);

    /// <summary>The generator's first <paramref name="count"/> records (requests and their retries).</summary>
    public static WireRecord[] Generate(int count, int seed) =>
        [.. new RequestLogGenerator(Day, count, seed, invalidShare: 0).Generate().Take(count).Select(r => new WireRecord(r.Key, r.Value))];
}
