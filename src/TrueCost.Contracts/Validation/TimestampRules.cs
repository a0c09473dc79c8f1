using System.Globalization;

namespace TrueCost.Contracts.Validation;

/// <summary>Shared plausibility rules for event timestamps on every topic.</summary>
public static class TimestampRules
{
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far ahead of the consumer's clock a producer's clock may run.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromHours(1);

    public static string? Check(string field, DateTimeOffset value, DateTimeOffset now) =>
        CheckUtc(field, value)
        ?? (value > now + MaxClockSkew
            ? $"{field} {value:O} is more than {MaxClockSkew.TotalHours:0} h in the future (now {now:O})"
            : null);

    /// <summary>
    /// UTC and not before <see cref="Earliest"/>, with no future limit: for the exclusive end of a
    /// period (a month's billing period legitimately ends after today).
    /// </summary>
    public static string? CheckUtc(string field, DateTimeOffset value)
    {
        if (value.Offset != TimeSpan.Zero)
        {
            return $"{field} {value:O} is not UTC (offset {value.Offset}); send UTC with a Z suffix";
        }

        return value < Earliest ? $"{field} {value:O} is before {Earliest:yyyy-MM-dd}" : null;
    }

    /// <summary>A UTC instant as a reader would write it: 2026-10-01T00:00:00Z, fractions only when present.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture);
}
