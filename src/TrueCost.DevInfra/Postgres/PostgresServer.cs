using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace TrueCost.DevInfra;

/// <summary>
/// A PostgreSQL server for demos and tests: the one named by <c>TRUECOST_POSTGRES</c>, or else a
/// private throwaway cluster (initdb + pg_ctl in a temp directory on a free port) that is deleted
/// on dispose.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "TRUECOST_POSTGRES";

    private const string ServiceUser = "postgres";
    private const int LogTailLines = 30;
    private const int BindAttempts = 3;
    private const string TempDirectoryPrefix = "truecost-pg-";
    private const string OwnerFile = "owner.pid";

    private readonly ILogger _logger;
    private readonly EmbeddedCluster? _cluster;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private int _disposed;

    private PostgresServer(string connectionString, EmbeddedCluster? cluster, ILogger logger)
    {
        ConnectionString = connectionString;
        _cluster = cluster;
        _logger = logger;
        if (cluster is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += StopOnProcessExit;
        }
    }

    /// <summary>Superuser connection string to the <c>postgres</c> database.</summary>
    public string ConnectionString { get; }

    /// <summary>True when this object started (and will delete) the cluster; false for <c>TRUECOST_POSTGRES</c>.</summary>
    public bool IsEmbedded => _cluster is not null;

    public static Task<PostgresServer> StartAsync(ILogger? logger = null, CancellationToken ct = default) =>
        StartAsync(new PostgresServerOptions(), logger, ct);

    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;

        var external = options.UseExternal ? Environment.GetEnvironmentVariable(EnvironmentVariable) : null;
        if (!string.IsNullOrWhiteSpace(external))
        {
            await VerifyExternalAsync(external, ct);
            var (host, port) = Describe(external);
            logger.LogInformation("Using external PostgreSQL from {Variable} at {Host}:{Port}", EnvironmentVariable, host, port);
            return new PostgresServer(external, cluster: null, logger);
        }

        var cluster = await EmbeddedCluster.CreateAsync(options, logger, ct);
        try
        {
            await cluster.StartOnFreePortAsync(ct);
        }
        catch
        {
            await cluster.DestroyAsync();
            throw;
        }

        return new PostgresServer(cluster.ConnectionString, cluster, logger);
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    /// <param name="name">Lower-cased; characters other than a–z, 0–9 and _ become _, and it is cut to 63 characters.</param>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var database = SanitizeDatabaseName(name);

        // Unpooled: this rare admin call must not inherit a pooled connection that a restart killed.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        try
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            var (host, port) = Describe(ConnectionString);
            throw new InvalidOperationException($"database {database} already exists on {host}:{port}; pick a unique name per test", e);
        }

        _logger.LogDebug("Created database {Database}", database);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString;
    }

    /// <summary>
    /// Stops the embedded server (fast shutdown: open sessions are terminated), keeps it down for
    /// <paramref name="downtime"/>, and starts it again on the same port with the same data.
    /// Npgsql pools are left alone on purpose: their idle connections are now dead and fail once with
    /// 57P01, which is exactly what code under a reliability test has to survive.
    /// </summary>
    public Task RestartAsync(TimeSpan downtime, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(downtime, TimeSpan.Zero);
        return RestartAsync(() => Task.Delay(downtime, ct), ct);
    }

    /// <summary>As <see cref="RestartAsync(TimeSpan, CancellationToken)"/>, down for as long as <paramref name="whileDown"/> runs.</summary>
    public async Task RestartAsync(Func<Task> whileDown, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentNullException.ThrowIfNull(whileDown);
        if (_cluster is null)
        {
            throw new NotSupportedException($"the PostgreSQL server from {EnvironmentVariable} is not ours to restart");
        }

        await _lifecycle.WaitAsync(ct);
        try
        {
            await _cluster.StopAsync("fast", ct);
            _logger.LogInformation("PostgreSQL on port {Port} stopped", _cluster.Port);
            try
            {
                await whileDown();
            }
            finally
            {
                await _cluster.StartAsync(ct);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_cluster is not null)
        {
            AppDomain.CurrentDomain.ProcessExit -= StopOnProcessExit;
            await _lifecycle.WaitAsync();
            try
            {
                await _cluster.DestroyAsync();
            }
            finally
            {
                _lifecycle.Release();
            }
        }

        _lifecycle.Dispose();
    }

    internal static string SanitizeDatabaseName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var sanitized = InvalidIdentifierCharacters().Replace(name.ToLowerInvariant(), "_");
        if (!char.IsAsciiLetterLower(sanitized[0]) && sanitized[0] != '_')
        {
            sanitized = "db_" + sanitized;
        }

        // PostgreSQL silently truncates identifiers to 63 bytes; truncating here keeps the returned name honest.
        return sanitized.Length > 63 ? sanitized[..63] : sanitized;
    }

    private static async Task VerifyExternalAsync(string connectionString, CancellationToken ct)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is not a valid Npgsql connection string: {e.Message}", e);
        }

        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} points at PostgreSQL on {builder.Host}:{builder.Port} (database {builder.Database ?? "(default)"}, user {builder.Username ?? "(default)"}), but connecting failed: {e.Message}",
                e);
        }
    }

    private static (string? Host, int Port) Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return (builder.Host, builder.Port);
    }

    private void StopOnProcessExit(object? sender, EventArgs e) =>
        _cluster?.DestroyAsync().GetAwaiter().GetResult();

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex InvalidIdentifierCharacters();

    /// <summary>One initdb'd data directory and the postmaster serving it.</summary>
    private sealed class EmbeddedCluster
    {
        private readonly PostgresServerOptions _options;
        private readonly ILogger _logger;
        private readonly string _bin;
        private readonly string _root;
        private readonly string? _runAs;

        private EmbeddedCluster(PostgresServerOptions options, ILogger logger, string bin, string root, string? runAs)
        {
            _options = options;
            _logger = logger;
            _bin = bin;
            _root = root;
            _runAs = runAs;
        }

        public int Port { get; private set; }

        public string ConnectionString => new NpgsqlConnectionStringBuilder
        {
            Host = IPAddress.Loopback.ToString(),
            Port = Port,
            Username = ServiceUser,
            Database = ServiceUser,
            Pooling = true,
            MaxPoolSize = 50,

            // Every test gets its own database and so its own pool; closing idle connections soon
            // after a test ends keeps many finished tests from using up max_connections.
            ConnectionIdleLifetime = 30,
            ConnectionPruningInterval = 5,
        }.ConnectionString;

        private string DataDirectory => Path.Combine(_root, "data");

        private string LogFile => Path.Combine(_root, "postgres.log");

        public static async Task<EmbeddedCluster> CreateAsync(PostgresServerOptions options, ILogger logger, CancellationToken ct)
        {
            var bin = PostgresBinaries.Locate(options.BinDirectory);

            // initdb refuses to run as root, so a root process hands the cluster to the postgres OS user.
            var runAs = Environment.IsPrivilegedProcess ? ServiceUser : null;
            await ReapAbandonedAsync(bin, runAs, logger, ct);

            var root = Directory.CreateTempSubdirectory(TempDirectoryPrefix).FullName;
            await File.WriteAllTextAsync(Path.Combine(root, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ct);
            var cluster = new EmbeddedCluster(options, logger, bin, root, runAs);
            try
            {
                var started = DateTime.UtcNow;
                if (runAs is not null)
                {
                    await cluster.RunAsync("chown", ["-R", $"{runAs}:", root], asUser: null, "hand the temp directory to the postgres user", ct);
                }

                List<string> initdb = ["-D", cluster.DataDirectory, "-U", ServiceUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions"];
                if (!options.Fsync)
                {
                    initdb.Add("--no-sync");
                }

                await cluster.RunAsync(Path.Combine(bin, "initdb"), initdb, runAs, "initdb", ct);
                await File.AppendAllTextAsync(Path.Combine(cluster.DataDirectory, "postgresql.conf"), cluster.Settings(), ct);
                logger.LogDebug("initdb of {DataDirectory} with {Bin} took {Elapsed}", cluster.DataDirectory, bin, DateTime.UtcNow - started);
                return cluster;
            }
            catch
            {
                await cluster.DestroyAsync();
                throw;
            }
        }

        /// <summary>
        /// A process killed before it could dispose (a test run hitting its timeout, a crash) leaves
        /// its postmaster running and its directory behind. Those whose owner process is gone are
        /// stopped and deleted here; directories without an owner file are left alone.
        /// </summary>
        private static async Task ReapAbandonedAsync(string bin, string? runAs, ILogger logger, CancellationToken ct)
        {
            foreach (var root in Directory.GetDirectories(Path.GetTempPath(), TempDirectoryPrefix + "*"))
            {
                if (!int.TryParse(ReadOwner(root), CultureInfo.InvariantCulture, out var owner) || IsRunning(owner))
                {
                    continue;
                }

                logger.LogWarning("Removing PostgreSQL cluster {Directory} abandoned by process {Owner}", root, owner);
                await new EmbeddedCluster(new PostgresServerOptions(), logger, bin, root, runAs).DestroyAsync();
                ct.ThrowIfCancellationRequested();
            }
        }

        private static string? ReadOwner(string root)
        {
            try
            {
                return File.ReadAllText(Path.Combine(root, OwnerFile));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static bool IsRunning(int processId)
        {
            try
            {
                using var process = Process.GetProcessById(processId);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        /// <summary>
        /// A free port is found by binding port 0 and releasing it, so another process can grab it
        /// before the postmaster binds; that race is retried with a new port.
        /// </summary>
        public async Task StartOnFreePortAsync(CancellationToken ct)
        {
            for (var attempt = 1; ; attempt++)
            {
                Port = FreeTcpPort();
                try
                {
                    await StartAsync(ct);
                    return;
                }
                catch (InvalidOperationException) when (attempt < BindAttempts && LogTail().Contains("could not bind", StringComparison.Ordinal))
                {
                    _logger.LogWarning("Port {Port} was taken before PostgreSQL could bind it; trying another", Port);
                }
            }
        }

        public async Task StartAsync(CancellationToken ct)
        {
            var started = DateTime.UtcNow;
            var timeoutSeconds = ((int)Math.Ceiling(_options.StartTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await RunAsync(
                Path.Combine(_bin, "pg_ctl"),
                ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", timeoutSeconds, "-o", $"-p {Port}"],
                _runAs,
                $"start PostgreSQL on port {Port}",
                ct);
            await WaitUntilAcceptingAsync(ct);
            _logger.LogInformation("PostgreSQL {DataDirectory} accepting connections on 127.0.0.1:{Port} after {Elapsed}", DataDirectory, Port, DateTime.UtcNow - started);
        }

        public Task StopAsync(string mode, CancellationToken ct) =>
            RunAsync(Path.Combine(_bin, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", mode, "-w"], _runAs, $"stop PostgreSQL ({mode})", ct);

        /// <summary>Stops the server if it runs and deletes the temp directory; never throws, as it runs on dispose.</summary>
        public async Task DestroyAsync()
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                try
                {
                    await StopAsync("immediate", CancellationToken.None);
                }
                catch (InvalidOperationException e)
                {
                    _logger.LogWarning(e, "Stopping PostgreSQL in {DataDirectory} failed", DataDirectory);
                }
            }

            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(e, "Could not delete PostgreSQL temp directory {Directory}", _root);
            }
        }

        private string Settings()
        {
            var settings = new StringBuilder()
                .AppendLine()
                .AppendLine("# TrueCost embedded cluster")
                .AppendLine("listen_addresses = '127.0.0.1'")
                .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{_root}'")
                .AppendLine(CultureInfo.InvariantCulture, $"max_connections = {_options.MaxConnections}")
                .AppendLine(CultureInfo.InvariantCulture, $"shared_buffers = {_options.SharedBuffersMegabytes}MB");
            if (!_options.Fsync)
            {
                // Torn pages only matter for crash recovery, which a throwaway cluster never needs.
                settings.AppendLine("fsync = off").AppendLine("full_page_writes = off");
            }

            return settings.ToString();
        }

        private async Task WaitUntilAcceptingAsync(CancellationToken ct)
        {
            // pg_ctl -w already waited for the postmaster to report ready; this proves a client gets in.
            var probe = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 2 }.ConnectionString;
            var deadline = DateTime.UtcNow + _options.StartTimeout;
            while (true)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(probe);
                    await connection.OpenAsync(ct);
                    return;
                }
                catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException && DateTime.UtcNow < deadline)
                {
                    _logger.LogDebug("PostgreSQL on port {Port} not accepting yet: {Reason}", Port, e.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
                }
                catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL in {DataDirectory} did not accept connections on 127.0.0.1:{Port} within {_options.StartTimeout.TotalSeconds:0} s: {e.Message}{Environment.NewLine}{LogTailSection()}",
                        e);
                }
            }
        }

        private async Task RunAsync(string executable, IEnumerable<string> arguments, string? asUser, string purpose, CancellationToken ct)
        {
            var result = await OsCommand.RunAsync(executable, arguments, asUser, _root, ct);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(
                    $"{purpose} failed (exit code {result.ExitCode}): {result.CommandLine}{Environment.NewLine}{result.Output}{Environment.NewLine}{LogTailSection()}");
            }
        }

        private string LogTailSection()
        {
            var tail = LogTail();
            return tail.Length == 0 ? $"(no server log at {LogFile})" : $"last lines of {LogFile}:{Environment.NewLine}{tail}";
        }

        private string LogTail()
        {
            try
            {
                return File.Exists(LogFile) ? string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(LogTailLines)) : "";
            }
            catch (IOException)
            {
                return "";
            }
        }

        private static int FreeTcpPort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
