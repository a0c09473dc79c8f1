using System.Diagnostics;
using Npgsql;
using TrueCost.Benchmarks.Measurement;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Storage;

namespace TrueCost.Benchmarks.Queries;

public sealed record QueryLatencyResult(int Runs, double P50Ms, double P95Ms, double RouteP95Ms, double TenantP95Ms, int Routes, int Tenants);

/// <summary>
/// The ledger's own cost query (<see cref="CostQueries.GroupedAsync"/>) by route and by tenant over
/// the whole seeded range, alternately, each timed from the call to the last row read.
/// </summary>
public static class QueryLatency
{
    private const int WarmupRuns = 3;

    public static async Task<QueryLatencyResult> RunAsync(QueryData data, int repeats, CancellationToken ct)
    {
        await using var db = NpgsqlDataSource.Create(data.ConnectionString);
        var queries = new CostQueries(db, new LedgerOptions());
        var timings = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["route"] = [], ["tenant"] = [] };
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var run = -WarmupRuns; run < repeats; run++)
        {
            foreach (var (dimension, measured) in timings)
            {
                var clock = Stopwatch.StartNew();
                var rows = await queries.GroupedAsync(dimension, data.From, data.To, ct);
                if (run >= 0)
                {
                    measured.Add(clock.Elapsed.TotalMilliseconds);
                }

                groups[dimension] = rows.Count;
            }
        }

        var all = timings.Values.SelectMany(t => t).ToList();
        return new QueryLatencyResult(
            all.Count, Percentiles.Of(all, 50), Percentiles.Of(all, 95),
            Percentiles.Of(timings["route"], 95), Percentiles.Of(timings["tenant"], 95), groups["route"], groups["tenant"]);
    }
}
