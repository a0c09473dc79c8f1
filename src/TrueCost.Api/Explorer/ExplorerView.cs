using System.Globalization;
using System.Text;
using TrueCost.Api.Auth;
using TrueCost.Ledger.Time;

namespace TrueCost.Api.Explorer;

/// <summary>The time step of the explorer's charts.</summary>
public enum Grain
{
    Hour,
    Day,
    Week,
}

/// <summary>What the explorer groups and filters by: cost_hourly's keys, and the serving mode of a route × model.</summary>
public enum ExplorerDimension
{
    Route,
    Tenant,
    Model,
    TrafficClass,
    ServingMode,
}

internal static class ExplorerDimensions
{
    public static readonly IReadOnlyList<ExplorerDimension> All = Enum.GetValues<ExplorerDimension>();

    /// <summary>The query-string name, which is also the column name (serving_mode is derived, see <see cref="ExplorerQueries"/>).</summary>
    public static string Name(this ExplorerDimension d) => d switch
    {
        ExplorerDimension.Route => "route",
        ExplorerDimension.Tenant => "tenant",
        ExplorerDimension.Model => "model",
        ExplorerDimension.TrafficClass => "traffic_class",
        ExplorerDimension.ServingMode => "serving_mode",
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, null),
    };

    public static string Label(this ExplorerDimension d) => d switch
    {
        ExplorerDimension.Route => "Route",
        ExplorerDimension.Tenant => "Tenant",
        ExplorerDimension.Model => "Model",
        ExplorerDimension.TrafficClass => "Traffic class",
        ExplorerDimension.ServingMode => "Serving mode",
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, null),
    };

    /// <summary>Where a click on a group leads: a route splits into its models, everything else into routes.</summary>
    public static ExplorerDimension DrillInto(this ExplorerDimension d) => d == ExplorerDimension.Route ? ExplorerDimension.Model : ExplorerDimension.Route;

    public static ExplorerDimension? Parse(string? name) => All.Cast<ExplorerDimension?>().FirstOrDefault(d => d!.Value.Name() == name);
}

/// <summary>
/// One view of the explorer, entirely in its URL so it can be shared: a range of whole UTC hours [From, To), the
/// grain of its charts, what it groups by and the filters. A tenant key's tenant filter is set here, whatever the
/// URL says. Values that cannot be read are replaced by defaults and listed in <see cref="Problems"/>.
/// </summary>
internal sealed record ExplorerView(
    DateTimeOffset From,
    DateTimeOffset To,
    Grain Grain,
    ExplorerDimension GroupBy,
    IReadOnlyDictionary<ExplorerDimension, string> Filters,
    IReadOnlyList<string> Problems)
{
    public const int DefaultDays = 7;
    public const int MaxHourGrainDays = 31;

    public string? Filter(ExplorerDimension d) => Filters.GetValueOrDefault(d);

    public TimeSpan Length => To - From;

    /// <summary>The range of the same length just before this one, for "change against the previous period".</summary>
    public DateTimeOffset PreviousFrom => From - Length;

    /// <param name="latestHour">The last hour with cost the caller may see; the default range is the 7 whole UTC days ending with its day.</param>
    public static ExplorerView Parse(IQueryCollection query, Caller caller, DateTimeOffset? latestHour, DateTimeOffset now)
    {
        var problems = new List<string>();
        var end = UtcHour.Floor(latestHour ?? now);
        var defaultTo = new DateTimeOffset(end.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        var to = Time(query, "to", problems) ?? defaultTo;
        var from = Time(query, "from", problems) ?? to.AddDays(-DefaultDays);
        if (from >= to)
        {
            problems.Add($"from {Text(from)} is not before to {Text(to)}: showing the {DefaultDays} days before to");
            from = to.AddDays(-DefaultDays);
        }

        if (to - from > TimeSpan.FromDays(Querying.TimeRange.MaxDays))
        {
            problems.Add($"{(to - from).TotalDays:0} days is more than the {Querying.TimeRange.MaxDays} that may be asked for at once: showing the last {Querying.TimeRange.MaxDays}");
            from = to.AddDays(-Querying.TimeRange.MaxDays);
        }

        var grain = Enum.TryParse<Grain>(query["grain"], ignoreCase: true, out var g) && Enum.IsDefined(g) ? g : (to - from).TotalDays > 62 ? Grain.Week : Grain.Day;
        if (!string.IsNullOrEmpty(query["grain"]) && !string.Equals(query["grain"], grain.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"grain '{query["grain"]}' is not hour, day or week: showing {grain.ToString().ToLowerInvariant()}");
        }

        if (grain == Grain.Hour && to - from > TimeSpan.FromDays(MaxHourGrainDays))
        {
            problems.Add($"hourly charts cover at most {MaxHourGrainDays} days: showing days");
            grain = Grain.Day;
        }

        var groupBy = ExplorerDimensions.Parse(query["group_by"]) ?? ExplorerDimension.Route;
        if (!string.IsNullOrEmpty(query["group_by"]) && groupBy.Name() != query["group_by"])
        {
            problems.Add($"group_by '{query["group_by"]}' is not one of {string.Join(", ", ExplorerDimensions.All.Select(d => d.Name()))}: grouping by route");
        }

        var filters = new Dictionary<ExplorerDimension, string>();
        foreach (var d in ExplorerDimensions.All)
        {
            if (query[d.Name()].ToString() is { Length: > 0 } value)
            {
                filters[d] = value;
            }
        }

        if (caller.Tenant is not null)
        {
            if (filters.TryGetValue(ExplorerDimension.Tenant, out var asked) && asked != caller.Tenant)
            {
                problems.Add($"your key is scoped to tenant {caller.Tenant}: showing that tenant only");
            }

            filters[ExplorerDimension.Tenant] = caller.Tenant;
        }

        return new ExplorerView(from, to, grain, groupBy, filters, problems);
    }

    /// <summary>This view's URL query, with some parameters changed (a null value removes a filter).</summary>
    public string Query(ExplorerDimension? groupBy = null, Grain? grain = null, IReadOnlyDictionary<ExplorerDimension, string?>? filters = null)
    {
        var merged = Filters.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        foreach (var (d, v) in filters ?? new Dictionary<ExplorerDimension, string?>())
        {
            merged[d] = v;
        }

        var parts = new List<(string, string)> { ("from", Text(From)), ("to", Text(To)), ("grain", (grain ?? Grain).ToString().ToLowerInvariant()), ("group_by", (groupBy ?? GroupBy).Name()) };
        parts.AddRange(ExplorerDimensions.All.Where(d => merged.GetValueOrDefault(d) is { Length: > 0 }).Select(d => (d.Name(), merged[d]!)));
        var sb = new StringBuilder();
        foreach (var (name, value) in parts)
        {
            sb.Append(sb.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return sb.ToString();
    }

    /// <summary>A day boundary as its date, any other hour as an ISO-8601 UTC hour.</summary>
    public static string Text(DateTimeOffset at) =>
        at.TimeOfDay == TimeSpan.Zero ? at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : at.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);

    private static readonly string[] Formats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'"];

    private static DateTimeOffset? Time(IQueryCollection query, string name, List<string> problems)
    {
        var value = query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        if (DateTimeOffset.TryParseExact(value, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            if (UtcHour.Floor(at) == at)
            {
                return at;
            }

            problems.Add($"{name} '{value}' is not the start of a UTC hour: using {Text(UtcHour.Floor(at))}");
            return UtcHour.Floor(at);
        }

        problems.Add($"{name} '{value}' is not a UTC day (2026-11-16) or hour (2026-11-16T08:00Z): using the default");
        return null;
    }
}
