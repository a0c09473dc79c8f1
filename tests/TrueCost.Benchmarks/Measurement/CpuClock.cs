using System.Globalization;
using Npgsql;

namespace TrueCost.Benchmarks.Measurement;

/// <summary>
/// CPU seconds used so far by the whole machine and by the PostgreSQL server, read from /proc. Two
/// readings a stage apart say how many cores each used, and whether something else on the machine
/// competed for them. Null where /proc cannot tell (not Linux, or PostgreSQL on another host).
/// </summary>
public sealed class CpuClock
{
    // USER_HZ: the unit of every CPU time in /proc, 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    private readonly int? _postmaster;

    private CpuClock(int? postmaster) => _postmaster = postmaster;

    /// <summary>Finds the postmaster as the parent of the server's checkpointer, if it runs on this machine.</summary>
    public static async Task<CpuClock> ForAsync(string connectionString, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("select pid from pg_stat_activity where backend_type = 'checkpointer'", conn);
        var checkpointer = await cmd.ExecuteScalarAsync(ct) as int?;
        var stat = checkpointer is { } pid ? Stat(pid) : null;
        var postmaster = stat is not null && Stat(stat.ParentId) is { Command: "postgres" or "postmaster" } parent ? parent.Id : (int?)null;
        return new CpuClock(postmaster);
    }

    /// <summary>Busy (non-idle, non-iowait) CPU seconds of all cores since boot.</summary>
    public static double? MachineSeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4];
        return (fields.Take(8).Sum() - idle) / TicksPerSecond;
    }

    /// <summary>
    /// CPU seconds of the postmaster and every backend it started: the live ones are read directly,
    /// the ones that exited are already counted in the postmaster's children's time.
    /// </summary>
    public double? PostgresSeconds()
    {
        if (_postmaster is not { } postmaster || Stat(postmaster) is not { } root)
        {
            return null;
        }

        var children = Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name is { Length: > 0 } && name.All(char.IsAsciiDigit))
            .Select(name => Stat(int.Parse(name!, CultureInfo.InvariantCulture)))
            .Where(s => s is not null && s.ParentId == postmaster)
            .Sum(s => s!.OwnTicks);
        return (root.OwnTicks + root.ReapedChildrenTicks + children) / TicksPerSecond;
    }

    private static ProcStat? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var open = text.IndexOf('(', StringComparison.Ordinal);
            var close = text.LastIndexOf(')');
            var rest = text[(close + 2)..].Split(' ');

            // After "pid (comm) ": state, ppid, … utime (index 11), stime, cutime, cstime.
            long Field(int i) => long.Parse(rest[i], CultureInfo.InvariantCulture);
            return new ProcStat(pid, text[(open + 1)..close], (int)Field(1), Field(11) + Field(12), Field(13) + Field(14));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private sealed record ProcStat(int Id, string Command, int ParentId, long OwnTicks, long ReapedChildrenTicks);
}
