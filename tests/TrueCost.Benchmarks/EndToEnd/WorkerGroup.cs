using System.Diagnostics;

namespace TrueCost.Benchmarks.EndToEnd;

/// <summary>Where a window reads the CPU and progress of the worker(s) it measures.</summary>
public interface IWorkerStats
{
    WorkerStats Latest { get; }
}

/// <summary>
/// Several worker processes in one consumer group (the ingest scales out by partitions), seen as
/// one: stored records, batches and CPU are summed; working set and GC heap are the largest single
/// process's, since memory is a per-process limit.
/// </summary>
public sealed class WorkerGroup : IWorkerStats, IAsyncDisposable
{
    private readonly List<WorkerProcess> _workers;

    private WorkerGroup(List<WorkerProcess> workers)
    {
        _workers = workers;
        foreach (var worker in workers)
        {
            worker.Reported += _ => Reported?.Invoke(Latest);
        }
    }

    public event Action<WorkerStats>? Reported;

    public IReadOnlyList<WorkerProcess> Workers => _workers;

    public WorkerStats Latest
    {
        get
        {
            var all = _workers.Select(w => w.Latest).ToList();
            return new WorkerStats(
                all.Max(s => s.At), all.Sum(s => s.Stored), all.Sum(s => s.Batches), all.Sum(s => s.LostToRetention), all.Sum(s => s.CpuSeconds),
                all.Max(s => s.WorkingSet), all.Max(s => s.PeakWorkingSet), all.Max(s => s.GcHeap), all.Sum(s => s.Processed));
        }
    }

    /// <summary>The highest working set any one worker reported.</summary>
    public long PeakWorkingSet => _workers.Max(w => w.PeakWorkingSet);

    public static WorkerGroup Start(int count, string name, string postgres, string kafka, WorkerSettings settings)
    {
        var workers = new List<WorkerProcess>();
        for (var i = 1; i <= count; i++)
        {
            workers.Add(WorkerProcess.Start(count == 1 ? name : $"{name} {i}", postgres, kafka, settings));
        }

        return new WorkerGroup(workers);
    }

    /// <summary>Waits until the summed stats satisfy <paramref name="done"/>; fails when a worker exits or nothing is stored for <paramref name="stall"/>.</summary>
    public async Task<WorkerStats> WaitUntilAsync(Func<WorkerStats, bool> done, TimeSpan stall, string what, CancellationToken ct)
    {
        var progress = Latest.Stored;
        var since = Stopwatch.GetTimestamp();
        while (true)
        {
            var latest = Latest;
            if (done(latest))
            {
                return latest;
            }

            foreach (var worker in _workers)
            {
                worker.ThrowIfExited(what);
            }

            if (latest.Stored != progress)
            {
                (progress, since) = (latest.Stored, Stopwatch.GetTimestamp());
            }
            else if (Stopwatch.GetElapsedTime(since) > stall)
            {
                throw new BenchmarkException($"the workers stored nothing for {stall.TotalSeconds:0} s while waiting for {what} (stored {latest.Stored:N0})");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_workers.Select(w => w.DisposeAsync().AsTask()));
    }
}
