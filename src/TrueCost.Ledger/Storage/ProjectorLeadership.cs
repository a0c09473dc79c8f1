using System.Diagnostics;
using System.Net.Sockets;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Allocation;

namespace TrueCost.Ledger.Storage;

/// <summary>What a projector process is doing: waiting for the lock, or projecting and allocating.</summary>
public enum ProjectorRole
{
    Connecting,
    Standby,
    Leader,
}

/// <summary>
/// Leader election among projector replicas with a PostgreSQL session advisory lock, one per ledger schema. The
/// replica holding the lock runs the projection daemon and the cost allocator; the others ask for the lock every
/// <see cref="Poll"/>. The lock lives as long as the leader's connection: when the leader's process dies, its socket
/// closes, PostgreSQL ends the session and a standby gets the lock at its next poll. The leader checks its connection
/// every <see cref="Poll"/> too and stops projecting the moment it cannot, so two replicas never lead at once for
/// longer than that check (and Marten's progression rows and the queue's row locks refuse what overlaps even then).
/// While it leads, a <see cref="ProjectionWatchdog"/> restarts any projection shard the daemon pauses or stops on an error
/// that leaves the lock's connection alone.
/// </summary>
public sealed class ProjectorLeadership(
    CostAllocatorService allocator,
    LedgerOptions ledger,
    ProjectorLockConnection lockConnection,
    TimeProvider time,
    ILogger<ProjectorLeadership> logger,
    ILogger<ProjectionWatchdog> watchdogLogger) : BackgroundService
{
    /// <summary>How often a standby asks for the lock and the leader checks it still holds it.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    /// <summary>The <c>application_name</c> prefix of the connection that holds (or asks for) the lock.</summary>
    public const string ApplicationNamePrefix = "truecost-projector";

    /// <summary>The <c>application_name</c> prefix of the leader's projection daemon connections (they come and go; the lock's stays).</summary>
    public const string DaemonApplicationNamePrefix = "truecost-projection-daemon";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    private volatile ProjectorRole _role = ProjectorRole.Connecting;

    public ProjectorRole Role => _role;

    /// <summary>The allocator's health while leading; a standby is healthy while it can ask for the lock.</summary>
    public WorkerHealth AllocatorHealth => allocator.Health;

    /// <summary>The application name of the connection holding the schema's lock (which replica leads), or null when none does.</summary>
    public static async Task<string?> CurrentLeaderAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
              and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = LockName(schema) });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = await lockConnection.OpenAsync(stoppingToken);
                while (!await TryLockAsync(conn, stoppingToken))
                {
                    if (_role != ProjectorRole.Standby)
                    {
                        logger.LogInformation("Standing by: another projector leads schema {Schema}; asking again every {Poll}", ledger.Schema, Poll);
                        _role = ProjectorRole.Standby;
                    }

                    await Task.Delay(Poll, stoppingToken);
                }

                await LeadAsync(conn, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever ended the lead (the lock connection, the daemon, the database restarting), the lock went with
                // the connection: ask for it again rather than let the replica die.
                logger.LogWarning(e, "Projector leadership: {Error}; asking for the lock again in {Poll}", e.Message, Poll);
                _role = ProjectorRole.Connecting;
                await Task.Delay(Poll, stoppingToken);
            }
        }
    }

    private async Task LeadAsync(NpgsqlConnection conn, CancellationToken stoppingToken)
    {
        _role = ProjectorRole.Leader;
        var clock = Stopwatch.StartNew();
        // A store of its own for every term: the daemon's high-water and shard state are per store and database, and a
        // term that ended with the database (a restart) must not hand a stopped agent to the next term in this process.
        await using var store = LedgerStore.CreateStore(lockConnection.DaemonConnectionString, ledger);
        using var daemon = await store.BuildProjectionDaemonAsync(logger: logger);
        await daemon.StartAllAsync();
        logger.LogInformation("Leading schema {Schema} (pid {Pid}): projection daemon and cost allocation started in {Elapsed:0} ms", ledger.Schema, Environment.ProcessId, clock.Elapsed.TotalMilliseconds);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var allocation = allocator.RunAsync(leading.Token);
        var watchdog = new ProjectionWatchdog(daemon, ledger.ProjectionRecovery, time, watchdogLogger).RunAsync(leading.Token);
        try
        {
            while (true)
            {
                await Task.Delay(Poll, stoppingToken);
                await using var check = new NpgsqlCommand("select 1", conn) { CommandTimeout = (int)CheckTimeout.TotalSeconds };
                await check.ExecuteScalarAsync(stoppingToken);
            }
        }
        finally
        {
            _role = ProjectorRole.Connecting;
            await leading.CancelAsync();
            await allocation;
            await watchdog;
            try
            {
                await daemon.StopAllAsync();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException or IOException)
            {
                logger.LogWarning(e, "The projection daemon did not stop cleanly; its progress is in the database, the next leader resumes from it");
            }

            logger.LogInformation("Stopped leading schema {Schema}", ledger.Schema);
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select pg_try_advisory_lock(hashtextextended($1, 0))", conn) { CommandTimeout = (int)CheckTimeout.TotalSeconds };
        cmd.Parameters.Add(new NpgsqlParameter { Value = LockName(ledger.Schema) });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static string LockName(string schema) => $"{ApplicationNamePrefix}/{schema}";
}

/// <summary>
/// The projector's own connection for the leadership lock: unpooled, so the lock ends with it and never outlives the
/// session in a pool, and named <c>truecost-projector@host:pid</c> so <c>pg_stat_activity</c> shows who leads.
/// </summary>
public sealed class ProjectorLockConnection(string connectionString)
{
    /// <summary>
    /// The ledger's connection string for the projection daemon of each leadership term, named
    /// <c>truecost-projection-daemon@host:pid</c> so <c>pg_stat_activity</c> tells its connections from the lock's.
    /// </summary>
    public string DaemonConnectionString { get; } = new NpgsqlConnectionStringBuilder(connectionString)
    {
        ApplicationName = $"{ProjectorLeadership.DaemonApplicationNamePrefix}@{Environment.MachineName}:{Environment.ProcessId}",
    }.ConnectionString;

    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString)
    {
        Pooling = false,
        ApplicationName = $"{ProjectorLeadership.ApplicationNamePrefix}@{Environment.MachineName}:{Environment.ProcessId}",
        KeepAlive = 5,
        Timeout = 5,
    }.ConnectionString;

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var conn = new NpgsqlConnection(_connectionString);
        try
        {
            await conn.OpenAsync(ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }
}
