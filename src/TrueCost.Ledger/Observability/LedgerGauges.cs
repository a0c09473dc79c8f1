using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Observability;

/// <summary>
/// Gauges read from the ledger's tables: projection lag (the projections' rows of Marten's <c>mt_event_progression</c>,
/// <see cref="LedgerStore.ProjectionShards"/>, against the newest event), allocation lag (the oldest hour waiting in
/// the allocation queue), quarantined hours, and the unpriced share of recent usage. They cost queries, so they are
/// read every <see cref="Interval"/> and cached; a scrape only reads the cache. A failed read drops the cached values
/// (the gauges go absent) until the next read succeeds. The projector's role and the allocator's health are read live
/// from <see cref="ProjectorLeadership"/>.
/// </summary>
public sealed partial class LedgerGauges(
    NpgsqlDataSource dataSource,
    LedgerOptions ledger,
    ProjectorLeadership leadership,
    LedgerGaugeOptions options,
    ILogger<LedgerGauges> logger) : BackgroundService
{
    /// <summary>The usage hours up to this long before the newest one count towards the unpriced share (so a backfill of old days shows one too).</summary>
    public static readonly TimeSpan UnpricedWindow = TimeSpan.FromHours(24);

    private static readonly GaugeSources<long> EventsBehind = new("truecost.projection.events_behind", "{event}", "Events appended but not yet applied by the projection");
    private static readonly GaugeSources<double> ProjectionLag = new("truecost.projection.lag", "s", "Age of the oldest event the projection has not applied yet (0 when caught up)");
    private static readonly GaugeSources<double> AllocationLag = new("truecost.allocation.lag", "s", "Age of the oldest hour waiting in the allocation queue (0 when it is empty)");
    private static readonly GaugeSources<long> QueuedHours = new("truecost.allocation.queue.size", "{hour}", "Hours waiting in the allocation queue");
    private static readonly GaugeSources<long> QuarantinedHours = new("truecost.allocation.quarantine.size", "{hour}", "Hours whose allocation failed on their own data and wait in quarantine");
    private static readonly GaugeSources<int> Leader = new("truecost.projector.leader", null, "1 while this projector replica leads (projects and allocates), 0 while it stands by or connects");
    private static readonly GaugeSources<int> AllocatorHealthy = new("truecost.allocator.healthy", null, "1 while cost allocation runs (or this replica does not lead), 0 after repeated failures in a row");
    private static readonly GaugeSources<int> AllocatorFailures = new("truecost.allocator.consecutive_failures", "{failure}", "Allocation rounds failed in a row");
    private static readonly GaugeSources<double> Unpriced = new("truecost.usage.unpriced_ratio", "1", "Share of the requests or tokens of the newest 24 usage hours that no price covered, by basis");

    private volatile LedgerSnapshot? _last;

    public TimeSpan Interval => options.Interval;

    /// <summary>The values of the last successful read; null before it or after a failed one.</summary>
    public LedgerSnapshot? Last => _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var sources = new CompositeDisposable(
            EventsBehind.Add(() => _last?.Projections.Select(p => new Measurement<long>(p.EventsBehind, Projection(p))) ?? []),
            ProjectionLag.Add(() => _last?.Projections.Select(p => new Measurement<double>(p.LagSeconds, Projection(p))) ?? []),
            AllocationLag.Add(() => _last is { } s ? [new Measurement<double>(s.AllocationLagSeconds)] : []),
            QueuedHours.Add(() => _last is { } s ? [new Measurement<long>(s.QueuedHours)] : []),
            QuarantinedHours.Add(() => _last is { } s ? [new Measurement<long>(s.QuarantinedHours)] : []),
            Unpriced.Add(() => _last is { } s ? s.UnpricedShares().Select(u => new Measurement<double>(u.Share, new KeyValuePair<string, object?>("basis", u.Basis))) : []),
            Leader.Add(() => [new Measurement<int>(leadership.Role == ProjectorRole.Leader ? 1 : 0)]),
            AllocatorHealthy.Add(() => [new Measurement<int>(leadership.Role != ProjectorRole.Leader || leadership.AllocatorHealth.Healthy ? 1 : 0)]),
            AllocatorFailures.Add(() => [new Measurement<int>(leadership.AllocatorHealth.ConsecutiveFailures)]));
        using var timer = new PeriodicTimer(options.Interval);
        do
        {
            try
            {
                _last = await ReadAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                _last = null;
                LogReadFailed(logger, e, options.Interval);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>Reads every gauge's value in one round trip.</summary>
    public async Task<LedgerSnapshot> ReadAsync(CancellationToken ct)
    {
        var s = ledger.Schema;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            select p.name, greatest(e.newest - p.last_seq_id, 0),
                   coalesce(extract(epoch from now() - (select o.timestamp from {s}.mt_events o where o.seq_id > p.last_seq_id order by o.seq_id limit 1)), 0)::float8
            from {s}.mt_event_progression p cross join (select coalesce(max(seq_id), 0) as newest from {s}.mt_events) e
            where p.name = any($1) order by p.name
            """) { Parameters = { new NpgsqlParameter { Value = LedgerStore.ProjectionShards.ToArray() } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            select count(*), coalesce(extract(epoch from now() - min(queued_at)), 0)::float8,
                   (select count(*) from {s}.{LedgerTables.AllocationQuarantine})
            from {s}.{LedgerTables.AllocationQueue}
            """));
        var window = new NpgsqlParameter { Value = UnpricedWindow };
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            with since as (select max(hour) - $1 as hour from {s}.{LedgerTables.UsageHourly})
            select coalesce((select sum(requests) from {s}.{LedgerTables.UsageHourly} u, since where u.hour > since.hour), 0)::float8,
                   coalesce((select sum(input_tokens + output_tokens) from {s}.{LedgerTables.UsageHourly} u, since where u.hour > since.hour), 0)::float8,
                   coalesce(sum(c.unpriced_requests), 0)::float8, coalesce(sum(c.unpriced_tokens), 0)::float8
            from {s}.{LedgerTables.CostHourly} c, since where c.hour > since.hour
            """) { Parameters = { window } });
        await using var r = await batch.ExecuteReaderAsync(ct);
        var projections = new List<ProjectionProgress>();
        while (await r.ReadAsync(ct))
        {
            projections.Add(new ProjectionProgress(r.GetString(0), r.GetInt64(1), r.GetDouble(2)));
        }

        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        var (queued, allocationLag, quarantined) = (r.GetInt64(0), r.GetDouble(1), r.GetInt64(2));
        await r.NextResultAsync(ct);
        await r.ReadAsync(ct);
        var usage = new UsageWindow(r.GetDouble(0), r.GetDouble(1), r.GetDouble(2), r.GetDouble(3));
        return new LedgerSnapshot(projections, queued, allocationLag, quarantined, usage);
    }

    private static KeyValuePair<string, object?> Projection(ProjectionProgress p) => new("projection", p.Name);

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Ledger gauges could not be read; they are absent until the next read in {Interval}")]
    private static partial void LogReadFailed(ILogger logger, Exception e, TimeSpan interval);

    private sealed class CompositeDisposable(params IDisposable[] parts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }
        }
    }
}

/// <summary>How often <see cref="LedgerGauges"/> reads the ledger (configuration <c>Ops:GaugeInterval</c>).</summary>
public sealed record LedgerGaugeOptions(TimeSpan Interval);

/// <summary>One projection's distance from the newest event.</summary>
public sealed record ProjectionProgress(string Name, long EventsBehind, double LagSeconds);

/// <summary>Requests and tokens of the recent usage hours, and how many of them no price covered.</summary>
public readonly record struct UsageWindow(double Requests, double Tokens, double UnpricedRequests, double UnpricedTokens);

public sealed record LedgerSnapshot(IReadOnlyList<ProjectionProgress> Projections, long QueuedHours, double AllocationLagSeconds, long QuarantinedHours, UsageWindow Usage)
{
    /// <summary>The unpriced share per basis; a basis with no usage in the window has no share (not zero, not NaN).</summary>
    public IEnumerable<(string Basis, double Share)> UnpricedShares()
    {
        if (Usage.Requests > 0)
        {
            yield return ("requests", Math.Min(1, Usage.UnpricedRequests / Usage.Requests));
        }

        if (Usage.Tokens > 0)
        {
            yield return ("tokens", Math.Min(1, Usage.UnpricedTokens / Usage.Tokens));
        }
    }
}
