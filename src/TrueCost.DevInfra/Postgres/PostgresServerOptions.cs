namespace TrueCost.DevInfra;

/// <summary>Settings for the private PostgreSQL cluster that <see cref="PostgresServer"/> starts when no external server is given.</summary>
public sealed class PostgresServerOptions
{
    /// <summary>
    /// Off by default: the cluster is thrown away with the process, so losing it on a power cut costs
    /// nothing, and skipping fsync makes initdb and every commit much faster.
    /// </summary>
    public bool Fsync { get; init; }

    /// <summary>
    /// On by default: a server named by <c>TRUECOST_POSTGRES</c> is used instead of an embedded cluster (the tests and the
    /// benchmark against a server of their own). Off for <c>truecost dev</c> and <c>demo</c>, which are embedded by what they
    /// promise: the <c>TRUECOST_POSTGRES</c> an earlier dev session exported into the shell must not point them at its
    /// stopped (or, worse, still running) cluster.
    /// </summary>
    public bool UseExternal { get; init; } = true;

    public int MaxConnections { get; init; } = 200;

    public int SharedBuffersMegabytes { get; init; } = 256;

    /// <summary>Directory holding initdb and pg_ctl; null picks the newest /usr/lib/postgresql/*/bin.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>How long initdb plus start may take before the start is reported as failed.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    internal void Validate()
    {
        if (MaxConnections is < 10 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "max_connections must be within 10..10000");
        }

        if (SharedBuffersMegabytes is < 1 or > 65_536)
        {
            throw new ArgumentOutOfRangeException(nameof(SharedBuffersMegabytes), SharedBuffersMegabytes, "shared_buffers must be within 1..65536 MB");
        }

        if (StartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StartTimeout), StartTimeout, "the start timeout must be positive");
        }
    }
}
