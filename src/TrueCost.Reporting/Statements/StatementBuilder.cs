using TrueCost.Ledger.Allocation;

namespace TrueCost.Reporting.Statements;

/// <summary>
/// Turns a tenant's month of cost_hourly (summed by day, route and model) into statement lines, one per bucket that
/// holds money, and proves the lines sum to cost_hourly's own totals, bucket by bucket, to the cent. Pure.
/// </summary>
public static class StatementBuilder
{
    private static readonly string[] Shared = [CostBuckets.PlatformOverhead, CostBuckets.Observability, CostBuckets.Engineering, CostBuckets.Incident];

    /// <exception cref="InvalidOperationException">The lines do not sum to <see cref="StatementInputs.LedgerTotals"/>.</exception>
    public static Statement Build(StatementInputs inputs, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var usage = inputs.Usage.ToLookup(u => (u.Day, u.Route, u.Model));
        var lines = new List<StatementLine>();
        foreach (var cost in inputs.Costs.OrderBy(c => c.Day).ThenBy(c => c.Route, StringComparer.Ordinal).ThenBy(c => c.Model, StringComparer.Ordinal))
        {
            lines.AddRange(Lines(cost, [.. usage[(cost.Day, cost.Route, cost.Model)]], inputs.DriversByBucket));
        }

        var totals = Sum(lines);
        Reconcile(inputs, totals);
        var unpricedModels = inputs.Usage
            .Where(u => u.UnpricedRequests > 0 || u.UnpricedTokens > 0)
            .GroupBy(u => (u.Provider, u.Model))
            .Select(g => new UnpricedModel(g.Key.Provider, g.Key.Model, g.Sum(u => u.UnpricedRequests), g.Sum(u => u.UnpricedTokens)))
            .OrderByDescending(m => m.Tokens).ThenBy(m => m.Provider, StringComparer.Ordinal).ThenBy(m => m.Model, StringComparer.Ordinal)
            .ToList();
        var used = lines.Select(l => l.MethodId).ToHashSet(StringComparer.Ordinal);
        return new Statement(
            inputs.Tenant, inputs.Month, inputs.Currency, generatedAt, lines, totals,
            inputs.Costs.Sum(c => c.UnpricedRequests), inputs.Costs.Sum(c => c.UnpricedTokens), unpricedModels,
            inputs.QuarantinedHours, [.. AllocationMethods.All.Where(m => used.Contains(m.Id))]);
    }

    private static IEnumerable<StatementLine> Lines(DayCost cost, IReadOnlyList<DayUsage> usage, IReadOnlyDictionary<string, IReadOnlyList<string>> drivers)
    {
        var modes = Distinct(usage.Select(u => u.ServingMode));
        StatementLine Line(string bucket, AllocationMethod method, decimal amount, IReadOnlyList<DayUsage> weighed, IReadOnlyList<string> lineDrivers, bool carriesUnpriced) => new(
            cost.Day, cost.Route, cost.Model, bucket, method.Id, amount, weighed.Sum(u => u.Requests), weighed.Sum(u => u.Tokens),
            Distinct(weighed.Select(u => u.ServingMode)), Distinct(weighed.Select(u => u.Provider)), Distinct(weighed.Select(u => u.Pool)), lineDrivers,
            carriesUnpriced ? cost.UnpricedRequests : 0, carriesUnpriced ? cost.UnpricedTokens : 0);

        var a = cost.Amounts;
        var served = a.DirectInference - a.Idle;
        var hasUnpriced = cost.UnpricedRequests != 0 || cost.UnpricedTokens != 0;
        if (served != 0 || hasUnpriced)
        {
            yield return Line(CostBuckets.DirectInference, AllocationMethods.Direct(modes), served, usage, [], carriesUnpriced: true);
        }

        if (a.Idle != 0)
        {
            var pooled = usage.Where(u => u.ServingMode == Contracts.RequestLogs.ServingModes.SelfHosted).ToList();
            yield return Line(CostBuckets.DirectInference, AllocationMethods.PoolIdleShare, a.Idle, pooled, [], carriesUnpriced: false);
        }

        foreach (var bucket in Shared)
        {
            var amount = Amount(a, bucket);
            if (amount != 0)
            {
                yield return Line(bucket, AllocationMethods.Shared(bucket), amount, usage, drivers.GetValueOrDefault(bucket) ?? [], carriesUnpriced: false);
            }
        }
    }

    private static BucketAmounts Sum(IEnumerable<StatementLine> lines)
    {
        var total = BucketAmounts.Zero;
        foreach (var l in lines)
        {
            total = total.Plus(l.Bucket switch
            {
                CostBuckets.DirectInference when l.MethodId == AllocationMethods.PoolIdleShare.Id => new BucketAmounts(l.Amount, 0, 0, 0, 0, l.Amount),
                CostBuckets.DirectInference => BucketAmounts.Zero with { DirectInference = l.Amount },
                CostBuckets.PlatformOverhead => BucketAmounts.Zero with { PlatformOverhead = l.Amount },
                CostBuckets.Observability => BucketAmounts.Zero with { Observability = l.Amount },
                CostBuckets.Engineering => BucketAmounts.Zero with { Engineering = l.Amount },
                _ => BucketAmounts.Zero with { Incident = l.Amount },
            });
        }

        return total;
    }

    /// <summary>cost_hourly's money is numeric(18,2), so the lines are sums of cents: any difference is a bug, never rounding.</summary>
    private static void Reconcile(StatementInputs inputs, BucketAmounts lines)
    {
        var ledger = inputs.LedgerTotals;
        var differences = new[]
            {
                (CostBuckets.DirectInference, lines.DirectInference, ledger.DirectInference),
                (CostBuckets.PlatformOverhead, lines.PlatformOverhead, ledger.PlatformOverhead),
                (CostBuckets.Observability, lines.Observability, ledger.Observability),
                (CostBuckets.Engineering, lines.Engineering, ledger.Engineering),
                (CostBuckets.Incident, lines.Incident, ledger.Incident),
                ("idle", lines.Idle, ledger.Idle),
                ("total", lines.Total, ledger.Total),
            }
            .Where(d => d.Item2 != d.Item3)
            .Select(d => $"{d.Item1} {d.Item2:0.00} (cost_hourly {d.Item3:0.00})")
            .ToList();
        if (differences.Count > 0)
        {
            throw new InvalidOperationException(
                $"statement of tenant '{inputs.Tenant}' for {inputs.Month} does not sum to cost_hourly in {inputs.Currency}: {string.Join("; ", differences)}");
        }
    }

    private static decimal Amount(BucketAmounts a, string bucket) => bucket switch
    {
        CostBuckets.PlatformOverhead => a.PlatformOverhead,
        CostBuckets.Observability => a.Observability,
        CostBuckets.Engineering => a.Engineering,
        _ => a.Incident,
    };

    private static string[] Distinct(IEnumerable<string> values) =>
        [.. values.Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
