using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.InvoiceLines;

/// <summary>One hour's exact share of a charge.</summary>
public readonly record struct HourShare(DateTimeOffset Hour, decimal EffectiveCost, decimal BilledCost);

/// <summary>
/// Spreads a charge evenly over the seconds of its charge period, hour by hour. Shares are exact
/// decimals (rounded to 10 places) and the last hour takes the remainder, so the shares always sum
/// to the line's cost exactly.
/// </summary>
public static class ChargeSpreader
{
    public static IReadOnlyList<HourShare> Spread(DateTimeOffset start, DateTimeOffset end, decimal effective, decimal billed)
    {
        if (end <= start)
        {
            throw new ArgumentException($"charge period end {end:O} is not after start {start:O}", nameof(end));
        }

        var hours = UtcHour.Covering(start, end).ToList();
        var total = (decimal)(end - start).Ticks;
        var shares = new List<HourShare>(hours.Count);
        decimal effectiveSoFar = 0, billedSoFar = 0;
        for (var i = 0; i < hours.Count; i++)
        {
            if (i == hours.Count - 1)
            {
                shares.Add(new HourShare(hours[i], effective - effectiveSoFar, billed - billedSoFar));
                break;
            }

            var from = hours[i] < start ? start : hours[i];
            var to = hours[i] + UtcHour.Length > end ? end : hours[i] + UtcHour.Length;
            var fraction = (to - from).Ticks / total;
            var e = Math.Round(effective * fraction, 10);
            var b = Math.Round(billed * fraction, 10);
            effectiveSoFar += e;
            billedSoFar += b;
            shares.Add(new HourShare(hours[i], e, b));
        }

        return shares;
    }
}
