namespace TrueCost.Cli.Infrastructure;

/// <summary>Fails a wait loop whose observed progress value has not moved for too long.</summary>
public sealed class StallWatch(TimeSpan limit)
{
    private long _last = -1;
    private DateTime _since = DateTime.UtcNow;

    public void Observe(long progress, string whatStalled)
    {
        if (progress != _last)
        {
            _last = progress;
            _since = DateTime.UtcNow;
            return;
        }

        if (DateTime.UtcNow - _since > limit)
        {
            throw new CliException($"{whatStalled} (no change for {limit.TotalSeconds:0} s)");
        }
    }
}
