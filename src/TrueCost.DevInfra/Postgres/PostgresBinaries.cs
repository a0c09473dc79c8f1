namespace TrueCost.DevInfra;

/// <summary>Finds the PostgreSQL server binaries (initdb, pg_ctl) installed on this machine.</summary>
internal static class PostgresBinaries
{
    private const string DebianRoot = "/usr/lib/postgresql";

    public static string Locate(string? configured)
    {
        if (configured is not null)
        {
            return HasServerTools(configured)
                ? configured
                : throw new InvalidOperationException($"PostgreSQL bin directory {configured} has no initdb and pg_ctl");
        }

        // Debian and Ubuntu install each major version side by side; the newest one is the best guess.
        var candidates = Directory.Exists(DebianRoot)
            ? Directory.GetDirectories(DebianRoot)
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
                .Where(c => c.Version > 0 && HasServerTools(c.Bin))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Bin)
                .ToList()
            : [];

        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"no PostgreSQL server binaries under {DebianRoot}/*/bin; install postgresql (e.g. apt-get install postgresql-15) or set TRUECOST_POSTGRES to an existing server");
    }

    private static bool HasServerTools(string bin) =>
        File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl"));
}
