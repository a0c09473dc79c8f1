using System.Diagnostics.Metrics;
using JasperFx;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Microsoft.Extensions.Logging;
using TrueCost.Ledger.Observability;

namespace TrueCost.Ledger.Storage;

/// <summary>
/// Restarts the projection shards that Marten's daemon has given up on, for as long as this projector leads.
/// <para>
/// The daemon retries a failed page write only a few times within a fraction of a second, and never when the connection
/// died (a killed backend, SQLSTATE 57P01), since a commit whose outcome is unknown must not be replayed; after that, and
/// after any other error in a page (a deadlock past those retries, a pool or statement timeout), it pauses the shard, or
/// stops it when its progression moved underneath it. Only Marten's own coordinator (Solo and HotCold modes) restarts a
/// paused shard, and the projector runs the daemon itself under its leader lock, so without this a shard stayed down
/// until leadership changed while ingest went on. The watchdog looks at every shard of
/// <see cref="LedgerStore.ProjectionShards"/> every <see cref="ProjectionRecoveryOptions.CheckInterval"/>, whatever took it
/// down (including a shard that failed to start with the term), logs the error, and starts it again after
/// <see cref="ProjectionRecoveryOptions.Backoff"/>: the daemon resumes it from its stored progression, so nothing is
/// skipped or applied twice. The wait doubles for each restart that applies no page and starts over once one does.
/// </para>
/// </summary>
public sealed partial class ProjectionWatchdog(IProjectionDaemon daemon, ProjectionRecoveryOptions options, TimeProvider time, ILogger<ProjectionWatchdog> logger)
{
    public const string Started = "started";
    public const string Failed = "failed";

    private static readonly Counter<long> Pauses = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.projection.pauses", "{pause}", "Times the leading projector found a projection shard paused or stopped by the daemon, by reason");

    private static readonly Counter<long> Restarts = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.projection.restarts", "{restart}", "Restarts of a paused or stopped projection shard by the leading projector, by reason and outcome (started, failed)");

    private static readonly GaugeSources<int> Paused = new(
        "truecost.projection.paused", null, "1 while the projection's shard is not running on the leading projector (paused or stopped, waiting for its restart), 0 while it runs");

    private readonly IReadOnlyList<ShardWatch> _shards = [.. LedgerStore.ProjectionShards.Select(identity => new ShardWatch(identity))];

    /// <summary>Checks and restarts the shards until <paramref name="ct"/> ends the leadership term; never throws.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var gauge = Paused.Add(() => _shards.Select(s => new Measurement<int>(daemon.StatusFor(s.Identity) == AgentStatus.Running ? 0 : 1, Projection(s.Identity))));
        using var timer = new PeriodicTimer(options.CheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                foreach (var shard in _shards)
                {
                    try
                    {
                        await CheckAsync(shard, ct);
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        // Whatever failed here, the other shards and the next check still run.
                        LogCheckFailed(logger, e, shard.Identity, options.CheckInterval);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The leadership term ended; the daemon stops with it.
        }
    }

    private async Task CheckAsync(ShardWatch shard, CancellationToken ct)
    {
        var agent = daemon.CurrentAgents().FirstOrDefault(a => a.Name.Identity == shard.Identity);
        var now = time.GetUtcNow();
        if (agent is { Status: AgentStatus.Running })
        {
            if (shard.RestartsWithoutProgress > 0 && agent.Position > shard.PositionAtRestart)
            {
                shard.RestartsWithoutProgress = 0;
            }

            return;
        }

        if (shard.DownSince is null)
        {
            var failure = daemon.Tracker.CurrentState(shard.Identity) is { Exception: { } e, Action: ShardAction.Paused or ShardAction.Stopped } ? e : null;
            shard.DownSince = now;
            shard.Reason = failure is null && agent?.Failure is not null ? "other" : ProjectionFailureReason.Of(failure);
            shard.NextAttempt = now + options.Backoff(shard.RestartsWithoutProgress);
            Pauses.Add(1, Projection(shard.Identity), Reason(shard.Reason));
            LogDown(logger, failure, shard.Identity, agent?.Status ?? AgentStatus.Stopped, shard.Reason, agent?.Position, shard.NextAttempt - now, shard.RestartsWithoutProgress + 1);
        }

        if (now < shard.NextAttempt)
        {
            return;
        }

        Exception? startFailure = null;
        try
        {
            await daemon.StartAgentAsync(shard.Identity, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            startFailure = e;
        }

        shard.RestartsWithoutProgress++;
        var restarted = daemon.CurrentAgents().FirstOrDefault(a => a.Name.Identity == shard.Identity);
        if (restarted is { Status: AgentStatus.Running })
        {
            Restarts.Add(1, Projection(shard.Identity), Reason(shard.Reason), Outcome(Started));
            LogRestarted(logger, shard.Identity, restarted.Position, shard.Reason, now - shard.DownSince.Value, shard.RestartsWithoutProgress);
            shard.PositionAtRestart = restarted.Position;
            shard.DownSince = null;
            return;
        }

        Restarts.Add(1, Projection(shard.Identity), Reason(shard.Reason), Outcome(Failed));
        shard.NextAttempt = now + options.Backoff(shard.RestartsWithoutProgress);
        LogRestartFailed(logger, startFailure, shard.Identity, shard.NextAttempt - now);
    }

    private static KeyValuePair<string, object?> Projection(string identity) => new("projection", identity);

    private static KeyValuePair<string, object?> Reason(string reason) => new("reason", reason);

    private static KeyValuePair<string, object?> Outcome(string outcome) => new("outcome", outcome);

    [LoggerMessage(LogLevel.Warning, "Projection shard {Shard} is {Status} ({Reason}) at sequence {Position}; restarting it in {Delay} (restart {Attempt} since it last applied a page)")]
    private static partial void LogDown(ILogger logger, Exception? failure, string shard, AgentStatus status, string reason, long? position, TimeSpan delay, int attempt);

    [LoggerMessage(LogLevel.Information, "Restarted projection shard {Shard} from sequence {Position} after it went down ({Reason}) {Down} ago (restart {Attempt} since it last applied a page)")]
    private static partial void LogRestarted(ILogger logger, string shard, long position, string reason, TimeSpan down, int attempt);

    [LoggerMessage(LogLevel.Warning, "Projection shard {Shard} did not start again; trying again in {Delay}")]
    private static partial void LogRestartFailed(ILogger logger, Exception? failure, string shard, TimeSpan delay);

    [LoggerMessage(LogLevel.Error, "Checking projection shard {Shard} failed; checking again in {Interval}")]
    private static partial void LogCheckFailed(ILogger logger, Exception failure, string shard, TimeSpan interval);

    /// <summary>What the watchdog knows of one shard between checks.</summary>
    private sealed class ShardWatch(string identity)
    {
        public string Identity { get; } = identity;

        /// <summary>When the shard was first seen down; null while it runs.</summary>
        public DateTimeOffset? DownSince { get; set; }

        public string Reason { get; set; } = ProjectionFailureReason.NotRunning;

        public DateTimeOffset NextAttempt { get; set; }

        public int RestartsWithoutProgress { get; set; }

        public long PositionAtRestart { get; set; }
    }
}
