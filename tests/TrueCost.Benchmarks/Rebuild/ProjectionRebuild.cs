using System.Diagnostics;
using Marten;
using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Benchmarks.Rebuild;

public sealed record RebuildResult(long Requests, long Events, int PageSize, double Seconds)
{
    public double RequestsPerSecond => Requests / Seconds;

    /// <summary>Linear extrapolation of the measured rate to the 10-million-request target.</summary>
    public double ExtrapolatedSecondsFor(long requests) => requests / RequestsPerSecond;
}

/// <summary>
/// A full rebuild of usage_hourly by Marten's projection daemon (teardown, then every event
/// replayed) over an event store the ingest filled; checked against the number of requests stored.
/// </summary>
public static class ProjectionRebuild
{
    public static async Task<RebuildResult> RunAsync(string connectionString, long expectedRequests, int? projectionBatchSize, CancellationToken ct)
    {
        var ledger = projectionBatchSize is { } size ? new LedgerOptions { ProjectionBatchSize = size } : new LedgerOptions();
        using var store = LedgerStore.CreateStore(connectionString, ledger);
        using var daemon = await store.BuildProjectionDaemonAsync();
        var clock = Stopwatch.StartNew();
        await daemon.RebuildProjectionAsync(LedgerTables.UsageHourly, TimeSpan.FromHours(1), ct);
        var seconds = clock.Elapsed.TotalSeconds;

        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"select (select coalesce(sum(requests), 0)::bigint from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.UsageHourly)}), (select count(*) from {ledger.Schema}.mt_events)",
            conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var (requests, events) = (r.GetInt64(0), r.GetInt64(1));
        if (requests != expectedRequests)
        {
            throw new BenchmarkException($"the rebuilt usage_hourly counts {requests:N0} requests, the event store holds {expectedRequests:N0}");
        }

        return new RebuildResult(requests, events, ledger.ProjectionBatchSize, seconds);
    }
}
