using TrueCost.Ledger.Governance;

namespace TrueCost.Reporting.Governance.Budgets;

public enum BudgetPeriodKind
{
    Day,
    Week,
    Month,
}

/// <summary>
/// What a budget counts: the allocated cost of cost_hourly rows matching every dimension that is set (none set: all
/// cost), in one bucket or the total. A provider scope counts the rows of the models that provider served (priced_usage).
/// </summary>
public sealed class BudgetScope
{
    public static readonly IReadOnlyList<string> Buckets = ["total", "direct_inference", "platform_overhead", "observability", "engineering", "incident", "idle"];

    public string? Tenant { get; set; }

    public string? Route { get; set; }

    public string? Model { get; set; }

    public string? TrafficClass { get; set; }

    public string? Provider { get; set; }

    /// <summary>One of <see cref="Buckets"/>; "total" (the default) is the five buckets (idle is the part of direct inference that paid for unused GPUs).</summary>
    public string Bucket { get; set; } = "total";

    /// <summary>The dimensions that are set, e.g. "tenant=acme, bucket=observability"; "all cost" when none is.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        Add("tenant", Tenant);
        Add("route", Route);
        Add("model", Model);
        Add("traffic_class", TrafficClass);
        Add("provider", Provider);
        if (Bucket != "total")
        {
            parts.Add($"bucket={Bucket}");
        }

        return parts.Count == 0 ? "all cost" : string.Join(", ", parts);

        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add($"{name}={value}");
            }
        }
    }

    public void Validate(string path)
    {
        if (!Buckets.Contains(Bucket))
        {
            throw new InvalidOperationException($"{path}:Bucket '{Bucket}' is not one of {string.Join(", ", Buckets)}");
        }

        foreach (var (name, value) in new[] { ("Tenant", Tenant), ("Route", Route), ("Model", Model), ("TrafficClass", TrafficClass), ("Provider", Provider) })
        {
            if (value is { Length: 0 } || (value is not null && string.IsNullOrWhiteSpace(value)))
            {
                throw new InvalidOperationException($"{path}:{name} is empty: leave it out to count every {name.ToLowerInvariant()}");
            }
        }
    }
}

/// <summary>
/// One budget (an entry of Governance:Budgets): an amount in the reporting currency per day, week (ISO, from Monday)
/// or month (from <see cref="StartDay"/>), thresholds in percent on the actual cost and on the period-end forecast.
/// A soft budget notifies; a hard one also publishes <c>BudgetExceeded</c> for a gateway to act on.
/// </summary>
public sealed class BudgetDefinition
{
    public string Name { get; set; } = string.Empty;

    public BudgetScope Scope { get; set; } = new();

    public BudgetPeriodKind Period { get; set; } = BudgetPeriodKind.Month;

    /// <summary>The day of the month a monthly period starts on (1..28).</summary>
    public int StartDay { get; set; } = 1;

    public decimal Amount { get; set; }

    /// <summary>Percent of <see cref="Amount"/> at which the actual cost notifies.</summary>
    public List<decimal> Thresholds { get; set; } = [];

    /// <summary>Percent of <see cref="Amount"/> at which the forecast for the period's end notifies ("will exceed by the 24th").</summary>
    public List<decimal> ForecastThresholds { get; set; } = [];

    public bool Hard { get; set; }

    /// <summary>The thresholds in use: the configured ones, else 50, 80 and 100 %.</summary>
    public IReadOnlyList<decimal> ActualThresholds => Thresholds.Count > 0 ? [.. Thresholds.Distinct().Order()] : [50m, 80m, 100m];

    /// <summary>The forecast thresholds in use: the configured ones, else 100 %.</summary>
    public IReadOnlyList<decimal> ForecastThresholdsInUse => ForecastThresholds.Count > 0 ? [.. ForecastThresholds.Distinct().Order()] : [100m];

    public void Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new InvalidOperationException($"{path}:Name '{Name}' must be set and have no spaces");
        }

        if (Amount <= 0)
        {
            throw new InvalidOperationException($"{path} ({Name}): Amount {Amount} must be above zero");
        }

        if (!Enum.IsDefined(Period))
        {
            throw new InvalidOperationException($"{path} ({Name}): Period must be Day, Week or Month");
        }

        if (StartDay is < 1 or > 28)
        {
            throw new InvalidOperationException($"{path} ({Name}): StartDay {StartDay} is outside 1..28");
        }

        if (StartDay != 1 && Period != BudgetPeriodKind.Month)
        {
            throw new InvalidOperationException($"{path} ({Name}): StartDay {StartDay} applies to monthly budgets only; a {Period} period starts on {(Period == BudgetPeriodKind.Week ? "Monday" : "midnight")}, UTC");
        }

        foreach (var threshold in Thresholds.Concat(ForecastThresholds).Where(t => t is <= 0 or > 1000))
        {
            throw new InvalidOperationException($"{path} ({Name}): threshold {threshold} % is outside (0, 1000]");
        }

        Scope.Validate($"{path}:Scope");
    }

    /// <summary>The period that contains <paramref name="at"/>: [start, end) in UTC.</summary>
    public (DateTimeOffset Start, DateTimeOffset End) PeriodContaining(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        var day = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
        switch (Period)
        {
            case BudgetPeriodKind.Day:
                return (day, day.AddDays(1));
            case BudgetPeriodKind.Week:
                var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
                return (monday, monday.AddDays(7));
            default:
                var start = new DateTimeOffset(utc.Year, utc.Month, StartDay, 0, 0, 0, TimeSpan.Zero);
                if (start > day)
                {
                    start = start.AddMonths(-1);
                }

                return (start, start.AddMonths(1));
        }
    }

    /// <summary>The series key of the budget's scope, for forecasts.</summary>
    internal SeriesKey SeriesKey => new("budget", Name, Scope.Bucket);
}
