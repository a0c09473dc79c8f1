namespace TrueCost.Ledger.Allocation;

/// <summary>
/// Rounds exact amounts to cents so they sum to a given total in cents: each amount is floored to
/// the cent, and the missing cents go one by one to the largest remainders (ties by position, so
/// the result is deterministic). Every part carries exactly two decimals, so equal amounts print and
/// store alike (0.00, never 0).
/// </summary>
public static class LargestRemainder
{
    /// <summary>One cent; multiplying a whole number by it gives a value with a scale of exactly two.</summary>
    public const decimal Cent = 0.01m;

    public static decimal[] ToCents(IReadOnlyList<decimal> exact, decimal targetTotal)
    {
        if (decimal.Round(targetTotal, 2) != targetTotal)
        {
            throw new ArgumentException($"target {targetTotal} is not a whole number of cents", nameof(targetTotal));
        }

        var floors = new decimal[exact.Count];
        var remainders = new (decimal Remainder, int Index)[exact.Count];
        for (var i = 0; i < exact.Count; i++)
        {
            floors[i] = Math.Floor(exact[i] * 100m) * Cent;
            remainders[i] = (exact[i] - floors[i], i);
        }

        // Checked as a decimal before narrowing: a target far out of reach must get this message, not an overflow.
        var missingCents = (targetTotal - floors.Sum()) * 100m;
        if (missingCents < 0 || missingCents > exact.Count)
        {
            throw new InvalidOperationException(
                $"cannot round {exact.Count} amounts summing to {exact.Sum()} to the total {targetTotal}: it differs from their sum by more than the rounding can absorb");
        }

        foreach (var (_, index) in remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Index).Take((int)missingCents))
        {
            floors[index] += Cent;
        }

        return floors;
    }
}
