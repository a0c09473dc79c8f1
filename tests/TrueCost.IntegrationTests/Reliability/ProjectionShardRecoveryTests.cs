using System.Diagnostics;
using Npgsql;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.IntegrationTests.Observability;
using TrueCost.Ledger.Storage;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>
/// Errors inside a projection page that leave the leader's lock connection alone: Marten's daemon pauses the shard and
/// does not restart it itself, so the leading projector must. Ingest and one projector run as processes of their own
/// while traffic flows; after the fault, every projection must apply the newest event within <see cref="CatchUpLimit"/>
/// of ingest draining, with the same lock session still leading, and the restart must show on <c>/metrics</c> and in the log.
/// </summary>
[Collection("reliability")]
public class ProjectionShardRecoveryTests(ReliabilityFixture infra, ITestOutputHelper output)
{
    private const int RecordsPerSecond = 1_000;
    private const string Restarted = "Restarted projection shard";
    private const string LeadershipLost = "Projector leadership:";
    private const string ShardDown = "Projection shard ";
    private static readonly DateTimeOffset Day = new(2026, 11, 17, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan FaultPatience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainPatience = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// <c>pg_terminate_backend</c> on the daemon's backends (by <c>application_name</c>, never the lock's), idle and busy,
    /// until a page write fails on one (SQLSTATE 57P01 or a broken connection, which Marten never retries for a write).
    /// </summary>
    [Fact]
    public async Task A_projection_shard_paused_by_killed_daemon_connections_is_restarted_by_the_same_leader_and_catches_up()
    {
        await using var pipeline = await FaultedPipeline.CreateAsync(infra, partitions: 8);
        using var run = Run.Start(pipeline, pipeline.Postgres, seed: 57);
        var lockSession = await run.WaitUntilProjectingAsync();

        var killed = 0;
        var rounds = 0;
        PrometheusText? scrape = null;
        await Eventually.TrueAsync(
            async () =>
            {
                rounds++;
                killed += await TerminateDaemonBackendsAsync(pipeline);
                scrape = await run.Projector.TryScrapeAsync();
                return scrape?.Sum("truecost_projection_pauses_total") > 0;
            },
            FaultPatience,
            () => $"{killed} daemon backends terminated in {rounds} rounds and no projection shard paused{Environment.NewLine}{scrape?.Text}{Environment.NewLine}{run.Outputs()}");
        output.WriteLine($"terminated {killed} projection daemon backends in {rounds} rounds; paused: {Series(scrape!, "truecost_projection_pauses_total")}");

        await run.AssertRecoveredAsync(lockSession, output);
    }

    /// <summary>
    /// The projector's sessions run with a 200 ms <c>lock_timeout</c> while the test holds <c>usage_hourly</c> locked: each
    /// page write fails with 55P03 through Marten's three quick retries and pauses the shard. The lock is held until the
    /// first restart has failed the same way, so the second waits twice as long; then it is released.
    /// </summary>
    [Fact]
    public async Task A_projection_shard_paused_by_lock_timeouts_past_Martens_retries_is_restarted_with_backoff_and_catches_up()
    {
        await using var pipeline = await FaultedPipeline.CreateAsync(infra, partitions: 8);
        var projectorPostgres = new NpgsqlConnectionStringBuilder(pipeline.Postgres) { Options = "-c lock_timeout=200" }.ConnectionString;
        using var run = Run.Start(pipeline, projectorPostgres, seed: 58);
        const string LockTimeoutPause = "is Paused (lock_timeout) at sequence ";
        run.Projector.Watch(LockTimeoutPause);
        var lockSession = await run.WaitUntilProjectingAsync();

        await using (var connection = await pipeline.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var lockTable = new NpgsqlCommand($"lock table {LedgerTables.QualifiedName(pipeline.Ledger.Schema, LedgerTables.UsageHourly)} in access exclusive mode", connection, transaction);
            await lockTable.ExecuteNonQueryAsync();
            var locked = Stopwatch.StartNew();
            PrometheusText? scrape = null;
            await Eventually.TrueAsync(
                async () => (scrape = await run.Projector.TryScrapeAsync())?.Sum("truecost_projection_pauses_total", ("reason", "lock_timeout")) >= 2,
                FaultPatience,
                () => $"the projection shard did not pause twice on lock_timeout while usage_hourly was locked{Environment.NewLine}{scrape?.Text}{Environment.NewLine}{run.Outputs()}");
            output.WriteLine($"usage_hourly locked {locked.Elapsed.TotalSeconds:0.0} s; paused: {Series(scrape!, "truecost_projection_pauses_total")}");
            await transaction.RollbackAsync();
        }

        await run.AssertRecoveredAsync(lockSession, output);
        var pauses = run.Projector.LinesWith(LockTimeoutPause);
        Assert.True(pauses.Count == 2, $"{pauses.Count} lock_timeout pauses logged:{Environment.NewLine}{string.Join(Environment.NewLine, pauses)}");
        Assert.Contains("restarting it in 00:00:01 (restart 1 since", pauses[0], StringComparison.Ordinal);
        Assert.Contains("restarting it in 00:00:02 (restart 2 since", pauses[1], StringComparison.Ordinal);
    }

    /// <summary>The backend holding the projector's leadership lock; the same number means the same leadership term.</summary>
    private static async Task<int?> LockSessionAsync(FaultedPipeline pipeline)
    {
        await using var cmd = pipeline.DataSource.CreateCommand("""
            select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and a.datname = current_database() and a.application_name like $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = $"{ProjectorLeadership.ApplicationNamePrefix}@%" });
        return await cmd.ExecuteScalarAsync() as int?;
    }

    /// <summary>Terminates every backend of the leader's projection daemon (and only those); returns how many.</summary>
    private static async Task<int> TerminateDaemonBackendsAsync(FaultedPipeline pipeline)
    {
        await using var cmd = pipeline.DataSource.CreateCommand("""
            select count(*) filter (where pg_terminate_backend(pid))::int from pg_stat_activity
            where datname = current_database() and application_name like $1 and pid <> pg_backend_pid()
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = $"{ProjectorLeadership.DaemonApplicationNamePrefix}@%" });
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    private static string Series(PrometheusText scrape, string name) =>
        string.Join(", ", scrape.Of(name).Select(s => $"{{{string.Join(",", s.Labels.Where(l => !l.Key.StartsWith("otel_", StringComparison.Ordinal)).Select(l => $"{l.Key}={l.Value}"))}}} {s.Value}"));

    /// <summary>Traffic, an ingest process and one projector process (with its ops listener) on one pipeline.</summary>
    private sealed class Run(FaultedPipeline pipeline, TrafficProducer traffic, WorkerProcess ingest, OpsProcess projector) : IDisposable
    {
        public OpsProcess Projector => projector;

        /// <param name="projectorPostgres">The projector's connection string (the pipeline's, or it with session settings).</param>
        public static Run Start(FaultedPipeline pipeline, string projectorPostgres, int seed)
        {
            var records = new RequestLogGenerator(Day, 300_000, seed, invalidShare: 0).Generate();
            var traffic = TrafficProducer.Start(pipeline.BootstrapServers, pipeline.RequestTopic, records, RecordsPerSecond);
            var ingest = WorkerProcess.Start(
            [
                "--postgres", pipeline.Postgres,
                "--kafka", pipeline.BootstrapServers,
                "--topic-prefix", pipeline.Ingest.TopicPrefix,
                "--group", pipeline.Ingest.ConsumerGroup,
                "--batch-size", "1000",
            ]);
            var projector = OpsProcess.Start("projector", port => ["--postgres", projectorPostgres, "--ops-urls", $"http://127.0.0.1:{port}"]);
            projector.Watch(Restarted);
            projector.Watch(LeadershipLost);
            projector.Watch(ShardDown);
            return new Run(pipeline, traffic, ingest, projector);
        }

        public string Outputs() => $"--- projector:{Environment.NewLine}{projector.OutputTail()}{Environment.NewLine}--- ingest:{Environment.NewLine}{ingest.OutputTail()}";

        /// <summary>Waits until the projector leads and every projection applies the traffic; returns the lock's backend.</summary>
        public async Task<int> WaitUntilProjectingAsync()
        {
            int? lockSession = null;
            LedgerProgress? progress = null;
            await Eventually.TrueAsync(
                async () =>
                {
                    lockSession = await LockSessionAsync(pipeline);
                    progress = await LedgerProgress.ReadAsync(pipeline);
                    return lockSession is not null && progress.Projections.Count == LedgerStore.ProjectionShards.Count && progress.Projections.All(p => p.Applied > 0);
                },
                StartPatience,
                () => $"the projector did not lead and project within {StartPatience.TotalSeconds:0} s ({progress}){Environment.NewLine}{Outputs()}");
            return lockSession!.Value;
        }

        /// <summary>
        /// Stops the traffic, waits for ingest to store all of it, then requires every projection to apply the newest event
        /// within <see cref="CatchUpLimit"/>, the lock still held by <paramref name="lockSession"/>, and the restart counted and logged.
        /// </summary>
        public async Task AssertRecoveredAsync(int lockSession, ITestOutputHelper output)
        {
            var clock = Stopwatch.StartNew();
            traffic.Stop();
            var report = await traffic.Completion.WaitAsync(DrainPatience);
            Assert.True(report.Failed == 0, $"{report.Failed} records were never delivered to Kafka (first: {report.FirstFailure})");
            await pipeline.DrainedAsync(DrainPatience, Outputs);

            var drained = clock.Elapsed;
            LedgerProgress? progress = null;
            await Eventually.TrueAsync(
                async () => (progress = await LedgerProgress.ReadAsync(pipeline)).Projected,
                CatchUpLimit,
                () => $"the projections did not apply the newest event within {CatchUpLimit.TotalSeconds:0} s of ingest draining ({progress}){Environment.NewLine}{Outputs()}");
            output.WriteLine($"{report.Produced.Count:N0} records produced; ingest drained {drained.TotalSeconds:0.0} s after the fault, the projections applied the newest event {clock.Elapsed.TotalSeconds:0.0} s after it ({progress})");

            Assert.Equal(lockSession, await LockSessionAsync(pipeline));
            var final = await projector.ScrapeUntilAsync(
                m => m.Sum("truecost_projection_restarts_total", ("outcome", ProjectionWatchdog.Started)) > 0
                    && m.Of("truecost_projection_paused").Count() == LedgerStore.ProjectionShards.Count && m.Sum("truecost_projection_paused") == 0,
                TimeSpan.FromSeconds(30),
                "the restart counted and every projection shard running");
            output.WriteLine($"pauses: {Series(final, "truecost_projection_pauses_total")}; restarts: {Series(final, "truecost_projection_restarts_total")}");
            foreach (var line in projector.LinesWith(ShardDown))
            {
                output.WriteLine(line.Length > 600 ? line[..600] + " …" : line);
            }

            Assert.Equal(1, final.Sum("truecost_projector_leader"));
            Assert.True(projector.LinesWith(Restarted).Count > 0, $"no restart was logged{Environment.NewLine}{Outputs()}");
            Assert.True(projector.LinesWith(LeadershipLost).Count == 0, $"the leadership term ended, so the recovery proves nothing about the restarts{Environment.NewLine}{Outputs()}");
        }

        public void Dispose()
        {
            traffic.Dispose();
            projector.Dispose();
            ingest.Dispose();
        }
    }
}
