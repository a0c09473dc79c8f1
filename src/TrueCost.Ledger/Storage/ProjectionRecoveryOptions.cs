namespace TrueCost.Ledger.Storage;

/// <summary>
/// How the leading projector restarts a projection shard that Marten's daemon paused or stopped
/// (<see cref="ProjectionWatchdog"/>); bound from configuration "Ledger:ProjectionRecovery".
/// </summary>
public sealed class ProjectionRecoveryOptions
{
    /// <summary>How often the leader looks at the state of every projection shard.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a shard stays down before its first restart; the wait doubles for each restart that applies no page.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two restarts of a shard that keeps failing.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The wait before the next restart of a shard that has been restarted <paramref name="restartsWithoutProgress"/> times
    /// since it last applied a page: <see cref="InitialBackoff"/> doubled that many times, at most <see cref="MaxBackoff"/>.
    /// </summary>
    public TimeSpan Backoff(int restartsWithoutProgress)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(restartsWithoutProgress);
        var ticks = InitialBackoff.Ticks * Math.Pow(2, Math.Min(restartsWithoutProgress, 62));
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }

    /// <exception cref="InvalidOperationException">A value is refused, with its key and the reason.</exception>
    public void Validate(string section)
    {
        if (CheckInterval < TimeSpan.FromMilliseconds(100) || CheckInterval > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException($"{section}:CheckInterval {CheckInterval} is outside 00:00:00.1 to 00:01:00");
        }

        if (InitialBackoff < TimeSpan.FromMilliseconds(100) || InitialBackoff > TimeSpan.FromMinutes(10))
        {
            throw new InvalidOperationException($"{section}:InitialBackoff {InitialBackoff} is outside 00:00:00.1 to 00:10:00");
        }

        if (MaxBackoff < InitialBackoff || MaxBackoff > TimeSpan.FromHours(1))
        {
            throw new InvalidOperationException($"{section}:MaxBackoff {MaxBackoff} must be at least InitialBackoff ({InitialBackoff}) and at most 01:00:00");
        }
    }
}
