using TrueCost.Ledger.Allocation;

namespace TrueCost.UnitTests.Allocation;

internal static class AllocationAssert
{
    /// <summary>A scale of exactly two is whole cents, written alike everywhere (0.00, never 0 or 0.000).</summary>
    public static void WholeCents(decimal amount) => Assert.True(amount.Scale == 2, $"{amount} is not whole cents with two decimals");

    /// <summary>Same rows in the same order, compared as printed so that even a decimal's scale (1.0 against 1.00) must match.</summary>
    public static void SameRows(HourAllocation expected, HourAllocation actual)
    {
        Assert.Equal(expected.Rows.Count, actual.Rows.Count);
        foreach (var (e, a) in expected.Rows.Zip(actual.Rows))
        {
            Assert.Equal(e.ToString(), a.ToString());
        }
    }
}
