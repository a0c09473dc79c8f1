using TrueCost.Contracts.RequestLogs;

namespace TrueCost.Ledger.Allocation;

/// <summary>
/// Allocates every cost that entered the system for one hour to hour × route × tenant × model ×
/// traffic class, bucket by bucket, and rounds to cents so the rows sum exactly to the hour's input.
/// Pure: the caller loads <see cref="HourInputs"/> and stores the result.
/// <list type="bullet">
/// <item>API direct: each key's own priced tokens, or, where its provider's invoice covers the hour, its share of that invoice by list-price cost.</item>
/// <item>Self-hosted direct: a pool line is split by the pool users' token share; the idle part (1 − busy share) is shown per key (<see cref="IdlePolicy.Share"/>) or kept on an <c>(idle)</c> row (<see cref="IdlePolicy.Separate"/>).</item>
/// <item>Overhead, observability, engineering: by the line's driver (requests, bytes, tokens, pool share), restricted to the pool/routes the line names.</item>
/// <item>Incident: the incident's hour cost by the affected keys' requests; the retry tokens' share of each affected usage row's own direct cost (and of its idle part) moves from direct to incident, once however many incidents cover it.</item>
/// <item>Money with no key to carry it lands on <c>(unallocated)</c> or <c>(unclassified)</c> rows, never dropped.</item>
/// </list>
/// </summary>
public static class HourAllocator
{
    private const int Direct = 0, Overhead = 1, Observe = 2, Engineer = 3, Incident = 4, IdleColumn = 5;

    public static HourAllocation Allocate(HourInputs inputs, AllocationPolicy policy)
    {
        inputs = InCanonicalOrder(inputs);
        var ledger = new CellLedger();
        var sources = new List<SourceAllocation>();
        var inputTotal = 0m;
        var usage = inputs.Usage;

        // What each usage row itself paid directly, so retry waste moves that row's cost and not its key's other serving paths.
        var paid = new DirectPaid[usage.Count];
        inputTotal += AllocateApi(inputs, ledger, sources, paid);
        foreach (var line in inputs.Lines.Where(l => l.Bucket == CostBuckets.DirectInference && l.Pool.Length > 0 && !IsHeld(l)))
        {
            inputTotal += line.Amount;
            AllocatePool(line, inputs, policy, ledger, sources, paid);
        }

        foreach (var line in inputs.Lines.Where(IsHeld))
        {
            inputTotal += line.Amount;
            var (row, why) = line.Driver == Drivers.UnmappedGpu
                ? (SpecialRows.Unallocated, "GPU spend not mapped to a pool: held on (unallocated) until a pool rule maps it")
                : (SpecialRows.UnusedCommitment, "unused commitment (FOCUS CommitmentDiscountStatus Unused): its own row, no key used it");
            var column = line.Bucket == CostBuckets.DirectInference ? Direct : ColumnOf(line.Bucket);
            ledger.Add(new CellKey(row, SpecialRows.All, line.Provider.Length > 0 ? line.Provider : line.LineId, SpecialRows.All), column, line.Amount);
            sources.Add(new SourceAllocation($"line {line.LineId}", line.Bucket, line.Amount, why));
        }

        foreach (var line in inputs.Lines.Where(l => l.Bucket != CostBuckets.DirectInference && !IsHeld(l)))
        {
            inputTotal += line.Amount;
            AllocateShared(line, usage, ledger, sources);
        }

        var wasteMoved = new bool[usage.Count];
        foreach (var incident in inputs.Incidents)
        {
            var covered = Enumerable.Range(0, usage.Count).Where(i => incident.Affected.Covers(usage[i].Route, usage[i].Tenant, usage[i].Model, usage[i].Pool)).ToList();
            if (incident.Total != 0)
            {
                inputTotal += incident.Total;
                Spread(ledger, sources, incident.Total, Incident, $"incident {incident.IncidentId}", "requests of affected keys", [.. covered.Select(i => usage[i])], u => u.Requests, UnallocatedKey(CostBuckets.Incident));
            }

            // Retries waste tokens whether or not the incident has a cost of its own in this hour.
            MoveRetryWaste(ledger, sources, usage, paid, covered.Where(i => !wasteMoved[i]), incident.IncidentId);
            covered.ForEach(i => wasteMoved[i] = true);
        }

        return new HourAllocation(inputs.Hour, inputTotal, ledger.Round(inputs.Hour, policy.Currency, inputTotal), sources);
    }

    /// <summary>
    /// The inputs sorted by their natural keys (and, for usage, by every field), so the rows depend only on
    /// what the hour holds: sums of 28-digit decimal shares round their last digit differently in another
    /// order, and that can move a cent.
    /// </summary>
    private static HourInputs InCanonicalOrder(HourInputs inputs) => inputs with
    {
        Usage =
        [
            .. inputs.Usage
                .OrderBy(u => u.Route, StringComparer.Ordinal).ThenBy(u => u.Tenant, StringComparer.Ordinal)
                .ThenBy(u => u.Model, StringComparer.Ordinal).ThenBy(u => u.TrafficClass, StringComparer.Ordinal)
                .ThenBy(u => u.Provider, StringComparer.Ordinal).ThenBy(u => u.ServingMode, StringComparer.Ordinal).ThenBy(u => u.Pool, StringComparer.Ordinal)
                .ThenBy(u => u.Tokens).ThenBy(u => u.Requests).ThenBy(u => u.Bytes).ThenBy(u => u.RetryTokens).ThenBy(u => u.ApiCost),
        ],
        Pools = [.. inputs.Pools.OrderBy(p => p.Pool, StringComparer.Ordinal)],
        Lines = [.. inputs.Lines.OrderBy(l => l.LineId, StringComparer.Ordinal).ThenBy(l => l.Amount)],
        Incidents = [.. inputs.Incidents.OrderBy(i => i.IncidentId, StringComparer.Ordinal)],
    };

    /// <summary>
    /// API usage: a key whose provider (and model, where the invoice line names one) has an invoice line in
    /// this hour carries its share of that line, split by list-price cost; unpriced usage in the line's scope
    /// weighs its tokens at the scope's average list price per token. Usage no invoice covers carries its
    /// own list-price cost. An invoice line with no usage to carry it is held on an <c>(unallocated)</c> row
    /// of its provider, never stacked on priced tokens.
    /// </summary>
    private static decimal AllocateApi(HourInputs inputs, CellLedger ledger, List<SourceAllocation> sources, DirectPaid[] paid)
    {
        var total = 0m;
        var usage = inputs.Usage;
        var invoices = inputs.Lines.Where(l => l.Bucket == CostBuckets.DirectInference && l.Pool.Length == 0 && !IsHeld(l)).ToList();
        var covered = usage.Select(u => invoices.Any(l => Covers(l, u))).ToArray();
        for (var i = 0; i < usage.Count; i++)
        {
            var u = usage[i];
            if (u.ServingMode == ServingModes.Api)
            {
                ledger.Count(Key(u), u.Unpriced ? u.Requests : 0, u.Unpriced ? u.Tokens : 0);
            }

            if (u.ServingMode == ServingModes.Api && !covered[i] && u.ApiCost != 0)
            {
                ledger.Add(Key(u), Direct, u.ApiCost);
                paid[i] = paid[i].Plus(u.ApiCost, 0m);
                total += u.ApiCost;
            }
        }

        var listPriced = Enumerable.Range(0, usage.Count).Where(i => usage[i].ServingMode == ServingModes.Api && !covered[i]).ToList();
        foreach (var provider in listPriced.Select(i => usage[i].Provider).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            sources.Add(new SourceAllocation($"priced tokens {provider}", CostBuckets.DirectInference, listPriced.Where(i => usage[i].Provider == provider).Sum(i => usage[i].ApiCost), "each key's own tokens × price catalogue (no invoice line of the provider in this hour)"));
        }

        foreach (var line in invoices)
        {
            total += line.Amount;
            var scope = Enumerable.Range(0, usage.Count).Where(i => Covers(line, usage[i])).ToList();
            var weights = InvoiceWeights(scope.Select(i => usage[i]).ToList());
            var weightTotal = weights.Sum();
            var what = line.Model.Length > 0 ? $"{line.Provider}/{line.Model}" : line.Provider;
            if (weightTotal == 0)
            {
                ledger.Add(new CellKey(SpecialRows.Unallocated, SpecialRows.All, line.Provider.Length > 0 ? line.Provider : "(provider unknown)", SpecialRows.All), Direct, line.Amount);
                sources.Add(new SourceAllocation($"line {line.LineId}", CostBuckets.DirectInference, line.Amount, $"provider invoice of {what}: no usage of it in this hour, held on (unallocated)"));
                continue;
            }

            sources.Add(new SourceAllocation($"line {line.LineId}", CostBuckets.DirectInference, line.Amount, $"provider invoice of {what}: split over its keys by list-price cost (replaces their priced tokens)"));
            for (var k = 0; k < scope.Count; k++)
            {
                var share = line.Amount * weights[k] / weightTotal;
                ledger.Add(Key(usage[scope[k]]), Direct, share);
                paid[scope[k]] = paid[scope[k]].Plus(share, 0m);
            }
        }

        return total;
    }

    private static bool Covers(CostLineInput line, UsageInput u) =>
        u.ServingMode == ServingModes.Api && u.Provider == line.Provider && (line.Model.Length == 0 || line.Model == u.Model);

    /// <summary>List-price cost per row; an unpriced row's tokens at the scope's average list price per token (tokens alone when nothing in scope is priced).</summary>
    private static decimal[] InvoiceWeights(List<UsageInput> scope)
    {
        var pricedTokens = scope.Where(u => !u.Unpriced).Sum(u => (decimal)u.Tokens);
        var pricedCost = scope.Where(u => !u.Unpriced).Sum(u => u.ApiCost);
        if (pricedCost <= 0 || pricedTokens == 0)
        {
            return [.. scope.Select(u => (decimal)u.Tokens)];
        }

        var perToken = pricedCost / pricedTokens;
        return [.. scope.Select(u => u.Unpriced ? u.Tokens * perToken : u.ApiCost)];
    }

    private static void AllocatePool(CostLineInput line, HourInputs inputs, AllocationPolicy policy, CellLedger ledger, List<SourceAllocation> sources, DirectPaid[] paid)
    {
        var usage = inputs.Usage;
        var users = Enumerable.Range(0, usage.Count).Where(i => usage[i].ServingMode == ServingModes.SelfHosted && usage[i].Pool == line.Pool && usage[i].Tokens > 0).ToList();
        var busy = inputs.Pools.FirstOrDefault(p => p.Pool == line.Pool)?.BusyShare;
        var idleKey = new CellKey(SpecialRows.Idle, SpecialRows.Idle, line.Pool, SpecialRows.Idle);
        sources.Add(new SourceAllocation($"line {line.LineId}", CostBuckets.DirectInference, line.Amount, $"pool {line.Pool} by token share, idle {policy.Idle.ToString().ToLowerInvariant()}"));
        if (users.Count == 0)
        {
            ledger.Add(idleKey, Direct, line.Amount);
            ledger.Add(idleKey, IdleColumn, line.Amount);
            return;
        }

        var idle = PoolIdle.Of(line.Amount, served: true, busy);
        var tokens = (decimal)users.Sum(i => usage[i].Tokens);
        var toUsers = policy.Idle == IdlePolicy.Share ? line.Amount : line.Amount - idle;
        var idleToUsers = policy.Idle == IdlePolicy.Share ? idle : 0m;
        foreach (var i in users)
        {
            var weight = usage[i].Tokens / tokens;
            ledger.Add(Key(usage[i]), Direct, toUsers * weight);
            ledger.Add(Key(usage[i]), IdleColumn, idleToUsers * weight);
            paid[i] = paid[i].Plus(toUsers * weight, idleToUsers * weight);
        }

        if (policy.Idle == IdlePolicy.Separate && idle != 0)
        {
            ledger.Add(idleKey, Direct, idle);
            ledger.Add(idleKey, IdleColumn, idle);
        }
    }

    private static void AllocateShared(CostLineInput line, IReadOnlyList<UsageInput> usage, CellLedger ledger, List<SourceAllocation> sources)
    {
        if (line.Bucket == CostBuckets.Unclassified)
        {
            ledger.Add(new CellKey(SpecialRows.Unclassified, SpecialRows.All, line.LineId, SpecialRows.All), Overhead, line.Amount);
            sources.Add(new SourceAllocation($"line {line.LineId}", CostBuckets.Unclassified, line.Amount, "no classification rule matched: held on (unclassified), counted under platform overhead"));
            return;
        }

        var column = ColumnOf(line.Bucket);
        var scoped = usage.Where(u => (line.Pool.Length == 0 || u.Pool == line.Pool) && (line.Routes.Count == 0 || line.Routes.Contains(u.Route))).ToList();
        Func<UsageInput, long> weight = line.Driver switch
        {
            Drivers.Bytes => u => u.Bytes,
            Drivers.Tokens => u => u.Tokens,
            Drivers.PoolShare => u => u.ServingMode == ServingModes.SelfHosted ? u.Tokens : 0,
            _ => u => u.Requests,
        };
        Spread(ledger, sources, line.Amount, column, $"line {line.LineId}", $"{line.Driver}{Scope(line)}", scoped, weight, UnallocatedKey(line.Bucket));
    }

    /// <summary>Lines no key can carry by their nature: unmapped GPU spend and unused commitments.</summary>
    private static bool IsHeld(CostLineInput line) => line.Driver is Drivers.UnmappedGpu or Drivers.UnusedCommitment;

    private static int ColumnOf(string bucket) => bucket switch
    {
        CostBuckets.DirectInference => Direct,
        CostBuckets.PlatformOverhead or CostBuckets.Unclassified => Overhead,
        CostBuckets.Observability => Observe,
        CostBuckets.Engineering => Engineer,
        _ => Incident,
    };

    private static string Scope(CostLineInput line) =>
        (line.Pool.Length > 0 ? $" in pool {line.Pool}" : string.Empty) + (line.Routes.Count > 0 ? $" on routes {string.Join(",", line.Routes)}" : string.Empty);

    private static void Spread(CellLedger ledger, List<SourceAllocation> sources, decimal amount, int column, string source, string rule, IReadOnlyList<UsageInput> keys, Func<UsageInput, long> weight, CellKey fallback)
    {
        var total = (decimal)keys.Sum(weight);
        sources.Add(new SourceAllocation(source, BucketName(column), amount, total == 0 ? "no usage to carry it: held on (unallocated)" : $"split by {rule}"));
        if (total == 0)
        {
            ledger.Add(fallback, column, amount);
            return;
        }

        foreach (var u in keys)
        {
            ledger.Add(Key(u), column, amount * weight(u) / total);
        }
    }

    /// <summary>
    /// Tokens spent on retries by usage rows an incident affected are incident waste, not useful inference:
    /// their share of the row's own direct cost moves to incident, taking the same share of its idle part so
    /// that what stays in direct keeps its idle proportion.
    /// </summary>
    private static void MoveRetryWaste(CellLedger ledger, List<SourceAllocation> sources, IReadOnlyList<UsageInput> usage, DirectPaid[] paid, IEnumerable<int> rows, string incidentId)
    {
        var moved = 0m;
        foreach (var i in rows.Where(i => usage[i].RetryTokens > 0 && usage[i].Tokens > 0))
        {
            var u = usage[i];
            var wasted = Math.Min(1m, (decimal)u.RetryTokens / u.Tokens);
            var waste = paid[i].Direct * wasted;
            ledger.Add(Key(u), Direct, -waste);
            ledger.Add(Key(u), IdleColumn, -paid[i].Idle * wasted);
            ledger.Add(Key(u), Incident, waste);
            moved += waste;
        }

        if (moved != 0)
        {
            sources.Add(new SourceAllocation($"incident {incidentId} retry waste", CostBuckets.Incident, moved, "retry tokens of affected usage rows moved from direct inference"));
        }
    }

    private static CellKey Key(UsageInput u) => new(u.Route, u.Tenant, u.Model, u.TrafficClass);

    private static CellKey UnallocatedKey(string bucket) => new(SpecialRows.Unallocated, SpecialRows.All, bucket, SpecialRows.All);

    private static string BucketName(int column) => CostBuckets.Five[column];

    private readonly record struct CellKey(string Route, string Tenant, string Model, string TrafficClass);

    /// <summary>The exact direct cost one usage row carries, and the part of it that paid for idle capacity.</summary>
    private readonly record struct DirectPaid(decimal Direct, decimal Idle)
    {
        public DirectPaid Plus(decimal direct, decimal idle) => new(Direct + direct, Idle + idle);
    }

    /// <summary>Exact amounts per key and column, rounded to cents at the end by largest remainder.</summary>
    private sealed class CellLedger
    {
        private readonly Dictionary<CellKey, decimal[]> _cells = [];
        private readonly Dictionary<CellKey, (long Requests, long Tokens)> _unpriced = [];

        public void Count(CellKey key, long unpricedRequests, long unpricedTokens)
        {
            Add(key, Direct, 0m);
            var (requests, tokens) = _unpriced.GetValueOrDefault(key);
            _unpriced[key] = (requests + unpricedRequests, tokens + unpricedTokens);
        }

        public void Add(CellKey key, int column, decimal amount)
        {
            if (!_cells.TryGetValue(key, out var values))
            {
                values = new decimal[6];
                _cells.Add(key, values);
            }

            values[column] += amount;
        }

        public List<AllocatedRow> Round(DateTimeOffset hour, string currency, decimal inputTotal)
        {
            var keys = _cells.Keys
                .OrderBy(k => k.Route, StringComparer.Ordinal).ThenBy(k => k.Tenant, StringComparer.Ordinal)
                .ThenBy(k => k.Model, StringComparer.Ordinal).ThenBy(k => k.TrafficClass, StringComparer.Ordinal)
                .ToArray();
            var money = keys.SelectMany(k => _cells[k].Take(5)).ToArray();
            var rounded = LargestRemainder.ToCents(money, Math.Round(inputTotal, 2, MidpointRounding.ToEven));
            var rows = new List<AllocatedRow>(keys.Length);
            for (var i = 0; i < keys.Length; i++)
            {
                var k = keys[i];
                var c = rounded.AsSpan(i * 5, 5);
                // Idle is a part of direct inference; rounding each on its own, or a credit mixed with charges, must not push it outside zero..direct.
                var idle = Math.Clamp(Math.Round(_cells[k][IdleColumn] * 100m, MidpointRounding.ToEven) * LargestRemainder.Cent, Math.Min(c[Direct], 0.00m), Math.Max(c[Direct], 0.00m));
                var (unpricedRequests, unpricedTokens) = _unpriced.GetValueOrDefault(k);
                var row = new AllocatedRow(hour, k.Route, k.Tenant, k.Model, k.TrafficClass, currency, c[Direct], c[Overhead], c[Observe], c[Engineer], c[Incident], idle, unpricedRequests, unpricedTokens);
                if (_cells[k].Any(v => v != 0) || c.ToArray().Any(v => v != 0) || unpricedRequests != 0)
                {
                    rows.Add(row);
                }
            }

            return rows;
        }
    }
}
