using System.Diagnostics;
using TrueCost.Benchmarks.EndToEnd;

namespace TrueCost.Benchmarks.Measurement;

/// <summary>
/// Cores busy during a window of <see cref="Seconds"/>: the worker, this process (the client, or the
/// producer and the in-process broker), PostgreSQL, the whole machine.
/// </summary>
public sealed record CoresUsed(double Seconds, double Worker, double Bench, double? Postgres, double? Machine)
{
    /// <summary>Core-seconds one of the figures above adds up to per million records.</summary>
    public static double? PerMillion(double? cores, double seconds, long records) => cores * seconds / records * 1_000_000;

    /// <summary>Busy cores no process of this run accounts for (another workload on the machine).</summary>
    public double? Other => Machine - Worker - Bench - Postgres;
}

/// <summary>CPU readings at the start of a window, turned into <see cref="CoresUsed"/> at its end.</summary>
public sealed class CpuWindow
{
    private readonly CpuClock _clock;
    private readonly IWorkerStats? _worker;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly double? _machine = CpuClock.MachineSeconds();
    private readonly double? _postgres;
    private readonly double _bench = BenchSeconds();
    private readonly double _workerSeconds;

    /// <param name="worker">The worker process(es), if the window has any.</param>
    public CpuWindow(CpuClock clock, IWorkerStats? worker)
    {
        _clock = clock;
        _worker = worker;
        _postgres = clock.PostgresSeconds();
        _workerSeconds = worker?.Latest.CpuSeconds ?? 0;
    }

    public CoresUsed Stop()
    {
        var wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        return new CoresUsed(
            wall,
            ((_worker?.Latest.CpuSeconds ?? 0) - _workerSeconds) / wall,
            (BenchSeconds() - _bench) / wall,
            _clock.PostgresSeconds() - _postgres is { } pg ? pg / wall : null,
            CpuClock.MachineSeconds() - _machine is { } m ? m / wall : null);
    }

    private static double BenchSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}
