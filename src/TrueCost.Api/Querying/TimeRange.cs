using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using TrueCost.Ledger.Time;

namespace TrueCost.Api.Querying;

public sealed class RangeParameters
{
    [FromQuery(Name = "from"), Description("Start of the range, inclusive: an ISO-8601 UTC hour such as 2026-01-05T00:00:00Z")]
    public string? From { get; init; }

    [FromQuery(Name = "to"), Description("End of the range, exclusive: an ISO-8601 UTC hour after from, at most 400 days later")]
    public string? To { get; init; }
}

/// <summary>A validated range of whole UTC hours, [From, To).</summary>
internal sealed record TimeRange(DateTimeOffset From, DateTimeOffset To)
{
    public const int MaxDays = 400;

    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mmzzz",
    ];

    /// <summary>Both ends are required; errors name the parameter and the value given.</summary>
    public static TimeRange? Parse(RangeParameters p, ParameterErrors errors)
    {
        var from = Hour("from", p.From, errors);
        var to = Hour("to", p.To, errors);
        if (from is null || to is null)
        {
            return null;
        }

        if (to <= from)
        {
            errors.Add("to", $"to '{p.To}' must be after from '{p.From}'");
            return null;
        }

        if (to.Value - from.Value > TimeSpan.FromDays(MaxDays))
        {
            errors.Add("to", $"from '{p.From}' to '{p.To}' spans {(to.Value - from.Value).TotalDays:0.#} days; at most {MaxDays} days may be asked for at once");
            return null;
        }

        return new TimeRange(from.Value, to.Value);
    }

    /// <summary>For listings where the range is a filter: both ends or neither.</summary>
    public static TimeRange? ParseOptional(RangeParameters p, ParameterErrors errors) =>
        string.IsNullOrEmpty(p.From) && string.IsNullOrEmpty(p.To) ? null : Parse(p, errors);

    private static DateTimeOffset? Hour(string name, string? value, ParameterErrors errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(name, $"{name} is required: an ISO-8601 UTC hour such as 2026-01-05T00:00:00Z");
            return null;
        }

        if (!DateTimeOffset.TryParseExact(value, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            errors.Add(name, $"{name} '{value}' is not an ISO-8601 UTC timestamp such as 2026-01-05T00:00:00Z");
            return null;
        }

        if (at.Offset != TimeSpan.Zero)
        {
            errors.Add(name, $"{name} '{value}' is not UTC: give the hour in UTC, ending in Z");
            return null;
        }

        if (UtcHour.Floor(at) != at)
        {
            errors.Add(name, $"{name} '{value}' is not the start of an hour: costs are kept per whole UTC hour, e.g. {UtcHour.Floor(at):yyyy-MM-dd'T'HH:mm:ss'Z'}");
            return null;
        }

        return at;
    }
}
