using System.Globalization;
using TrueCost.Ledger.Time;

namespace TrueCost.Reporting.Governance.Commitments;

/// <summary>One hour of a GPU pool: GPU-hours provisioned, GPU-hours busy (gpus × busy share), and its on-demand invoice cost.</summary>
public readonly record struct PoolHourUse(DateTimeOffset Hour, decimal GpuHours, decimal BusyGpuHours, decimal OnDemandCost);

/// <summary>The on-demand (list-price) value and the tokens of a provider's (or model's) API usage over a range.</summary>
public readonly record struct TokenUse(decimal OnDemandValue, long Tokens);

/// <summary>
/// The FOCUS lines of one CommitmentDiscountId over a range: EffectiveCost of its Used and Unused lines, ListCost of the
/// Used ones (the on-demand value they would have cost), and the on-demand spend in the same scope (pool, else provider)
/// that no commitment covered.
/// </summary>
public sealed record FocusCommitmentLines(
    string Id,
    string Scope,
    DateTimeOffset FirstHour,
    DateTimeOffset LastHour,
    int Hours,
    decimal UsedEffective,
    decimal UnusedEffective,
    decimal? UsedList,
    decimal UncoveredOnDemand,
    string Currency);

/// <summary>
/// Pure: a commitment's amortized cost, used and unused parts, utilization and coverage over [from, to). Amounts are
/// rounded to cents at the end, and the unused part is the amortized cost less the used part, so the two always add up.
/// </summary>
public static class CommitmentCalculator
{
    /// <summary>The commitment's cost of one hour of its term: a month's amount over that month's hours, or the term's over the term's.</summary>
    public static decimal HourlyRate(CommitmentDefinition c, DateTimeOffset hour) => c.Period switch
    {
        CommitmentPeriod.Month => c.Amount / (24m * DateTime.DaysInMonth(hour.Year, hour.Month)),
        _ => c.Amount / (decimal)(c.End - c.Start).TotalHours,
    };

    /// <summary>The hours of [from, to) within the commitment's term.</summary>
    public static IReadOnlyList<DateTimeOffset> TermHours(CommitmentDefinition c, DateTimeOffset from, DateTimeOffset to)
    {
        var start = UtcHour.Floor(from > c.Start ? from : c.Start);
        var end = to < c.End ? to : c.End;
        return end > start ? [.. UtcHour.Covering(start, end)] : [];
    }

    /// <summary>The commitment's cost over [from, to): its hourly rate summed over the hours of its term in the range.</summary>
    public static decimal Amortized(CommitmentDefinition c, DateTimeOffset from, DateTimeOffset to) =>
        Cents(TermHours(c, from, to).Sum(h => HourlyRate(c, h)));

    /// <summary>
    /// A GPU reservation: each hour, the reserved GPUs count as used for the GPU-hours the pool was busy (at most the
    /// reservation), so idle reserved capacity is unused commitment. Coverage is reserved GPU-hours ÷ GPU-hours the pool
    /// ran; the on-demand rate comes from the pool's invoice lines that no commitment covers.
    /// </summary>
    public static CommitmentFigures GpuReservation(CommitmentDefinition c, IReadOnlyList<PoolHourUse> pool, DateTimeOffset from, DateTimeOffset to, string currency)
    {
        var gpus = c.Quantity ?? throw new ArgumentException($"GPU reservation {c.Name} has no Quantity", nameof(c));
        var hours = TermHours(c, from, to);
        var byHour = pool.ToDictionary(p => p.Hour);
        decimal amortized = 0, used = 0, gpuHours = 0, onDemand = 0;
        foreach (var hour in hours)
        {
            var rate = HourlyRate(c, hour);
            amortized += rate;
            if (byHour.TryGetValue(hour, out var p))
            {
                used += rate * Math.Min(gpus, p.BusyGpuHours) / gpus;
                gpuHours += p.GpuHours;
                onDemand += p.OnDemandCost;
            }
        }

        var reservedGpuHours = gpus * hours.Count;
        var onDemandRate = gpuHours > 0 && onDemand > 0 ? onDemand / gpuHours : (decimal?)null;
        var reservedRate = reservedGpuHours > 0 ? amortized / reservedGpuHours : 0m;
        var discount = c.Discount ?? (onDemandRate is { } r ? Math.Round(1 - (reservedRate / r), 4) : null);
        return Figures(c, CommitmentFigures.GpuReservationKind, $"pool {c.Pool}", hours.Count, amortized, used,
            gpuHours > 0 ? reservedGpuHours / gpuHours : null, onDemand > 0 ? Cents(onDemand) : null, discount, currency,
            new Dictionary<string, string>
            {
                ["reserved_gpus"] = Text(gpus),
                ["reserved_gpu_hours"] = Text(reservedGpuHours),
                ["pool_gpu_hours"] = Text(Math.Round(gpuHours, 2)),
                ["reserved_rate_per_gpu_hour"] = Text(Math.Round(reservedRate, 4)),
                ["on_demand_rate_per_gpu_hour"] = onDemandRate is { } od ? Text(Math.Round(od, 4)) : "no on-demand invoice lines for the pool",
            });
    }

    /// <summary>
    /// A token commitment: the committed amount is used by the on-demand (list-price) value of the provider's usage, up
    /// to the amount; what is left is unused (committed amount − on-demand value, floored at 0). Coverage is committed
    /// amount ÷ on-demand value.
    /// </summary>
    public static CommitmentFigures TokenCommitment(CommitmentDefinition c, TokenUse use, DateTimeOffset from, DateTimeOffset to, string currency)
    {
        var hours = TermHours(c, from, to);
        var amortized = hours.Sum(h => HourlyRate(c, h));
        var evidence = new Dictionary<string, string>
        {
            ["on_demand_value"] = Text(Cents(use.OnDemandValue)),
            ["tokens_used"] = use.Tokens.ToString(CultureInfo.InvariantCulture),
        };
        if (c.Quantity is { } perMonth)
        {
            evidence["tokens_committed"] = Text(Math.Round(hours.Sum(h => perMonth / (24m * DateTime.DaysInMonth(h.Year, h.Month))), 0));
        }

        return Figures(c, CommitmentFigures.TokenCommitmentKind, c.Model is null ? $"provider {c.Provider}" : $"provider {c.Provider}, model {c.Model}",
            hours.Count, amortized, Math.Min(use.OnDemandValue, amortized), use.OnDemandValue > 0 ? amortized / use.OnDemandValue : null,
            use.OnDemandValue > 0 ? Cents(use.OnDemandValue) : null, c.Discount, currency, evidence);
    }

    /// <summary>
    /// A commitment as a FOCUS export states it: amortized = EffectiveCost of its Used and Unused lines (the Purchase line's
    /// EffectiveCost is 0 and is not counted again), unused = the Unused lines. Coverage is the on-demand value of the
    /// Used lines ÷ that value plus the uncovered on-demand spend in the same scope; the discount is 1 − EffectiveCost ÷
    /// ListCost of the Used lines.
    /// </summary>
    public static CommitmentFigures Focus(FocusCommitmentLines lines, CommitmentThresholds thresholds)
    {
        var covered = lines.UsedList is > 0 ? lines.UsedList.Value : lines.UsedEffective;
        var eligible = covered + lines.UncoveredOnDemand;
        var amortized = Cents(lines.UsedEffective + lines.UnusedEffective);
        var used = Cents(lines.UsedEffective);
        return new CommitmentFigures(
            lines.Id, CommitmentFigures.FocusKind, lines.Scope, lines.FirstHour, lines.LastHour + UtcHour.Length, lines.Hours,
            amortized, used, amortized - used, amortized > 0 ? Ratio(used / amortized) : null, eligible > 0 ? Ratio(covered / eligible) : null,
            eligible > 0 ? Cents(eligible) : null, lines.UsedList is > 0 ? Ratio(1 - (lines.UsedEffective / lines.UsedList.Value)) : null,
            lines.Currency, thresholds)
        {
            Evidence = new Dictionary<string, string>
            {
                ["used_effective_cost"] = Text(used),
                ["unused_effective_cost"] = Text(amortized - used),
                ["used_list_cost"] = lines.UsedList is { } list ? Text(Cents(list)) : "not given",
                ["uncovered_on_demand"] = Text(Cents(lines.UncoveredOnDemand)),
            },
        };
    }

    private static CommitmentFigures Figures(
        CommitmentDefinition c, string kind, string scope, int hours, decimal amortized, decimal used, decimal? coverage, decimal? eligible, decimal? discount,
        string currency, Dictionary<string, string> evidence)
    {
        var a = Cents(amortized);
        var u = Cents(used);
        return new CommitmentFigures(c.Name, kind, scope, c.Start, c.End, hours, a, u, a - u, a > 0 ? Ratio(u / a) : null,
            coverage is { } cov ? Ratio(cov) : null, eligible, discount, currency, c.Thresholds)
        {
            Evidence = evidence,
        };
    }

    private static decimal Cents(decimal amount) => Math.Round(amount, 2, MidpointRounding.ToEven);

    private static decimal Ratio(decimal value) => Math.Round(value, 4, MidpointRounding.ToEven);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
