using TrueCost.Ingest.Pipeline;

namespace TrueCost.UnitTests.Ingest;

public class ConsumerLagTests
{
    [Fact]
    public void Lag_is_the_high_watermark_minus_the_next_stored_offset_per_assigned_partition()
    {
        var lag = new ConsumerLag("requests");
        lag.Assigned(0, storedOffset: 40);
        lag.Assigned(1, storedOffset: null);
        lag.HighWatermark(0, 100);
        lag.HighWatermark(1, 25);
        lag.Stored(0, 90);

        var measured = lag.Observe().ToDictionary(m => (string)m.Tags.ToArray().Single(t => t.Key == "partition").Value!, m => m.Value);

        Assert.Equal(new Dictionary<string, long> { ["0"] = 10, ["1"] = 25 }, measured);
    }

    [Fact]
    public void A_revoked_partition_and_a_watermark_of_a_partition_never_assigned_are_not_measured()
    {
        var lag = new ConsumerLag("requests");
        lag.Assigned(0, storedOffset: 5);
        lag.HighWatermark(0, 10);
        lag.HighWatermark(7, 10);

        lag.Revoked([0]);

        Assert.Empty(lag.Observe());
    }

    [Fact]
    public void A_stored_offset_never_moves_back_and_lag_is_never_negative()
    {
        var lag = new ConsumerLag("requests");
        lag.Assigned(0, storedOffset: 0);
        lag.Stored(0, 50);
        lag.Stored(0, 30);
        lag.HighWatermark(0, 40);

        Assert.Equal(0, Assert.Single(lag.Observe()).Value);
    }
}
