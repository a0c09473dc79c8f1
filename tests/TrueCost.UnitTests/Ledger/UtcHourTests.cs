using TrueCost.Ledger.Time;

namespace TrueCost.UnitTests.Ledger;

public class UtcHourTests
{
    [Fact]
    public void Floor_truncates_to_the_UTC_hour_whatever_the_offset()
    {
        var at = new DateTimeOffset(2026, 11, 16, 10, 59, 59, 999, TimeSpan.FromHours(2));

        Assert.Equal(new DateTimeOffset(2026, 11, 16, 8, 0, 0, TimeSpan.Zero), UtcHour.Floor(at));
    }

    [Fact]
    public void Covering_lists_every_hour_that_overlaps_a_half_open_period()
    {
        var hours = UtcHour.Covering(
            new DateTimeOffset(2026, 11, 16, 10, 30, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 11, 16, 13, 0, 0, TimeSpan.Zero)).ToList();

        Assert.Equal([10, 11, 12], hours.Select(h => h.Hour));
    }
}
