using CsCheck;
using TrueCost.Ledger.Allocation;

namespace TrueCost.UnitTests.Allocation;

public class LargestRemainderTests
{
    [Fact]
    public void Parts_sum_to_the_target_are_whole_cents_and_each_is_within_a_cent_of_its_exact_amount()
    {
        AllocationGen.Money.Array[0, 30].Sample(exact =>
        {
            var target = Math.Round(exact.Sum(), 2);

            var cents = LargestRemainder.ToCents(exact, target);

            Assert.Equal(target, cents.Sum());
            Assert.All(cents, AllocationAssert.WholeCents);
            Assert.All(exact.Zip(cents), p => Assert.True(Math.Abs(p.First - p.Second) < 0.01m, $"{p.Second} is a cent or more from {p.First}"));
        });
    }

    [Fact]
    public void Equal_remainders_give_the_missing_cents_to_the_earliest_positions()
    {
        var third = 1m / 3m;

        Assert.Equal([0.34m, 0.33m, 0.33m], LargestRemainder.ToCents([third, third, third], 1.00m));
        Assert.Equal([0.01m, 0.00m], LargestRemainder.ToCents([0.005m, 0.005m], 0.01m));
    }

    [Fact]
    public void The_missing_cent_goes_to_the_largest_remainder_wherever_it_is()
    {
        Assert.Equal([0.10m, 0.21m, 0.30m], LargestRemainder.ToCents([0.104m, 0.206m, 0.300m], 0.61m));
    }

    [Fact]
    public void Negative_amounts_are_floored_toward_minus_infinity_so_their_remainder_competes_like_any_other()
    {
        // -1.006 floors to -1.01 with 0.004 left over, more than 2.002's 0.002, so it takes the one missing cent.
        Assert.Equal([-1.00m, 2.00m], LargestRemainder.ToCents([-1.006m, 2.002m], 1.00m));
    }

    [Fact]
    public void A_target_more_cents_away_than_there_are_parts_is_refused_with_the_amounts_and_target_in_the_message()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LargestRemainder.ToCents([1.00m, 2.00m], 5.00m));

        Assert.Contains("2 amounts summing to 3.00", e.Message, StringComparison.Ordinal);
        Assert.Contains("5.00", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_below_the_floors_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => LargestRemainder.ToCents([1.004m], 0.99m));
    }

    [Fact]
    public void A_target_far_out_of_reach_is_refused_with_the_same_clear_message_rather_than_an_overflow()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LargestRemainder.ToCents([1.00m], 100_000_000.00m));

        Assert.Contains("1 amounts summing to 1.00", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_that_is_not_whole_cents_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => LargestRemainder.ToCents([1.005m], 1.005m));

        Assert.Contains("not a whole number of cents", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_to_round_gives_nothing()
    {
        Assert.Empty(LargestRemainder.ToCents([], 0m));
    }
}
