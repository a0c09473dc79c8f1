using System.Globalization;

namespace TrueCost.Benchmarks.EndToEnd;

/// <summary>
/// What the worker process reports about itself on stdout, one line at a time. <see cref="At"/> is
/// its <see cref="System.Diagnostics.Stopwatch"/> timestamp: the monotonic clock is shared by every
/// process on the machine, so the benchmark can put the worker's readings on its own time line.
/// </summary>
/// <param name="Stored">Records of the counted topic stored (for an OTLP topic: spans).</param>
/// <param name="Processed">Records of the counted topic stored, found to be duplicates, dead-lettered or ignored.</param>
public sealed record WorkerStats(long At, long Stored, long Batches, long LostToRetention, double CpuSeconds, long WorkingSet, long PeakWorkingSet, long GcHeap, long Processed)
{
    private const string Prefix = "@stats ";

    public static WorkerStats None { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{At} {Stored} {Batches} {LostToRetention} {CpuSeconds:R} {WorkingSet} {PeakWorkingSet} {GcHeap} {Processed}");

    public static WorkerStats? TryParse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var f = line[Prefix.Length..].Split(' ');
        long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return new WorkerStats(L(0), L(1), L(2), L(3), double.Parse(f[4], CultureInfo.InvariantCulture), L(5), L(6), L(7), L(8));
    }
}
