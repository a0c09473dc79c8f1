using System.Text.Json;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Synthetic;

namespace TrueCost.UnitTests.Synthetic;

public class RequestLogGeneratorTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_same_seed_gives_the_same_day()
    {
        var first = new RequestLogGenerator(Day, 2_000, seed: 7).Generate().Select(r => Convert.ToHexString(r.Value));
        var second = new RequestLogGenerator(Day, 2_000, seed: 7).Generate().Select(r => Convert.ToHexString(r.Value));

        Assert.Equal(first, second);
    }

    [Fact]
    public void The_diurnal_peak_is_five_to_ten_times_the_hourly_average()
    {
        var weights = DiurnalProfile.HourWeights;
        var ratio = weights.Max() / weights.Average();

        Assert.InRange(ratio, 5.0, 10.0);
        Assert.Equal(1.0, weights.Sum(), precision: 9);
    }

    [Fact]
    public void Valid_records_parse_and_invalid_ones_are_rejected_by_the_real_parser()
    {
        var parser = new RequestLogParser(new FixedClock(Day.AddDays(2)));
        var records = new RequestLogGenerator(Day, 20_000, seed: 3, invalidShare: 0.01).Generate().ToList();

        Assert.All(records, r => Assert.Equal(r.Valid, parser.Parse(r.Value).IsValid));
        Assert.InRange(records.Count(r => !r.Valid), 100, 300);
    }

    [Fact]
    public void Tenants_follow_a_zipf_spread_and_retries_point_at_their_original()
    {
        var requests = new RequestLogGenerator(Day, 20_000, seed: 5, invalidShare: 0).Generate()
            .Select(r => JsonSerializer.Deserialize<RequestLogRecord>(r.Value)!)
            .ToList();
        var byTenant = requests.GroupBy(r => r.Tenant).OrderByDescending(g => g.Count()).Select(g => g.Count()).ToList();
        var ids = requests.Select(r => r.RequestId).ToHashSet();

        Assert.True(byTenant[0] > 5 * byTenant[^1], "the top tenant should dwarf the smallest");
        Assert.All(requests.Where(r => r.Attempt > 1), r => Assert.Contains(r.RetryOf!, ids));
        Assert.Contains(requests, r => r.ServingMode == ServingModes.SelfHosted);
        Assert.Contains(requests, r => r.ServingMode == ServingModes.Api);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
