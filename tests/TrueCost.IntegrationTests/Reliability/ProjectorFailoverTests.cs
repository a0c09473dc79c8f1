using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.Storage;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>
/// Ingest and two projectors as OS processes of their own, as a deployment runs them. The leading projector is killed
/// with SIGKILL while traffic flows; the standby must take the lock and allocate again within 30 s. Then PostgreSQL
/// restarts under the new leader, and once the traffic has drained, <c>truecost verify</c> (an independent
/// recomputation from the source tables) must pass and every request must be stored exactly once.
/// </summary>
[Collection("reliability")]
public class ProjectorFailoverTests(ReliabilityFixture infra, ITestOutputHelper output)
{
    private const int RecordsPerSecond = 1_000;
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan TakeoverLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task When_the_leading_projector_is_killed_the_standby_allocates_within_30_s_and_verify_passes()
    {
        await using var pipeline = await FaultedPipeline.CreateAsync(infra, partitions: 8);
        var records = new RequestLogGenerator(Day, 400_000, seed: 33, invalidShare: 0).Generate();
        using var traffic = TrafficProducer.Start(pipeline.BootstrapServers, pipeline.RequestTopic, records, RecordsPerSecond);
        using var ingest = WorkerProcess.Start(
        [
            "--postgres", pipeline.Postgres,
            "--kafka", pipeline.BootstrapServers,
            "--topic-prefix", pipeline.Ingest.TopicPrefix,
            "--group", pipeline.Ingest.ConsumerGroup,
            "--batch-size", "1000",
        ]);
        using var first = StartProjector(pipeline);
        using var second = StartProjector(pipeline);
        WorkerProcess[] projectors = [first, second];
        string Outputs() => string.Join(Environment.NewLine, projectors.Select((p, i) => $"--- projector {i + 1} (pid {p.Pid}):{Environment.NewLine}{p.OutputTail()}"))
            + $"{Environment.NewLine}--- ingest:{Environment.NewLine}{ingest.OutputTail()}";

        // The leader is whichever replica got the lock; it must be allocating before it is killed.
        WorkerProcess? leader = null;
        await Eventually.TrueAsync(
            async () =>
            {
                var pid = LeaderPid(await ProjectorLeadership.CurrentLeaderAsync(pipeline.DataSource, pipeline.Ledger.Schema, default));
                leader = projectors.SingleOrDefault(p => p.Pid == pid);
                return leader is not null && await AuditRowsSinceAsync(pipeline, DateTimeOffset.MinValue) > 0;
            },
            StartPatience,
            () => $"no projector led and allocated within {StartPatience.TotalSeconds:0} s{Environment.NewLine}{Outputs()}");
        var standby = projectors.Single(p => p != leader);
        Assert.Contains("Standing by", standby.OutputTail(), StringComparison.Ordinal);
        Assert.False(standby.HasExited, Outputs());

        var killedAt = await DatabaseNowAsync(pipeline);
        var clock = Stopwatch.StartNew();
        Assert.Equal(WorkerProcess.KilledBySigkill, await leader!.KillAsync());
        await Eventually.TrueAsync(
            async () => LeaderPid(await ProjectorLeadership.CurrentLeaderAsync(pipeline.DataSource, pipeline.Ledger.Schema, default)) == standby.Pid
                && await AuditRowsSinceAsync(pipeline, killedAt) > 0,
            TakeoverLimit,
            () => $"the standby did not lead and allocate within {TakeoverLimit.TotalSeconds:0} s of the kill{Environment.NewLine}{Outputs()}");
        var takeover = clock.Elapsed;
        output.WriteLine($"leader pid {leader.Pid} killed; standby pid {standby.Pid} allocated again after {takeover.TotalSeconds:0.0} s");

        // The orchestrator replaces the dead replica; then PostgreSQL restarts under the leader mid-allocation, which ends
        // every session and with it the lock: one of the two must lead and allocate again.
        using var replacement = StartProjector(pipeline);
        projectors = [standby, replacement];
        if (infra.Postgres.IsEmbedded)
        {
            await Eventually.TrueAsync(
                () => Task.FromResult(replacement.OutputTail().Contains("Standing by", StringComparison.Ordinal)),
                StartPatience,
                () => $"the replacement projector did not stand by{Environment.NewLine}{Outputs()}");
            await infra.Postgres.RestartAsync(TimeSpan.FromSeconds(2));
            var sinceRestart = Stopwatch.StartNew();
            DateTimeOffset? restartedAt = null;
            await Eventually.TrueAsync(
                async () =>
                {
                    try
                    {
                        restartedAt ??= await DatabaseNowAsync(pipeline);
                        var pid = LeaderPid(await ProjectorLeadership.CurrentLeaderAsync(pipeline.DataSource, pipeline.Ledger.Schema, default));
                        return projectors.Any(p => p.Pid == pid) && await AuditRowsSinceAsync(pipeline, restartedAt.Value) > 0;
                    }
                    catch (NpgsqlException)
                    {
                        // The test's own pooled connections died with the server; the next poll opens new ones.
                        return false;
                    }
                },
                StartPatience,
                () => $"no projector led and allocated after PostgreSQL restarted{Environment.NewLine}{Outputs()}");
            output.WriteLine($"PostgreSQL restarted under the leader (2 s down); a projector led and allocated again {sinceRestart.Elapsed.TotalSeconds:0.0} s after it was back");
        }
        else
        {
            output.WriteLine("PostgreSQL restart skipped: the server is not this run's to restart");
        }

        traffic.Stop();
        var figures = await ExactlyOnce.AssertAsync(pipeline, traffic, output, Outputs);
        output.WriteLine(figures.ToString());
        Assert.Equal(0, figures.Lost);
        Assert.Equal(0, figures.Duplicated);
        LedgerProgress? progress = null;
        await Eventually.TrueAsync(
            async () => (progress = await LedgerProgress.ReadAsync(pipeline)).CaughtUp,
            StartPatience,
            () => $"projections and allocation did not catch up ({progress}){Environment.NewLine}{Outputs()}");

        using var verify = WorkerProcess.Start("verify", ["--postgres", pipeline.Postgres, "--from", "2026-11-16", "--to", "2026-11-17"]);
        var exit = await verify.WaitForExitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(verify.OutputTail());
        Assert.True(exit == 0, $"truecost verify exited {exit} after the failover:{Environment.NewLine}{verify.OutputTail()}");
        Assert.InRange(takeover, TimeSpan.Zero, TakeoverLimit);
    }

    private static WorkerProcess StartProjector(FaultedPipeline pipeline) => WorkerProcess.Start("projector", ["--postgres", pipeline.Postgres]);

    /// <summary>The pid in the lock holder's application name, <c>truecost-projector@host:pid</c>.</summary>
    private static int? LeaderPid(string? applicationName) =>
        applicationName?.LastIndexOf(':') is int colon and > 0 && int.TryParse(applicationName[(colon + 1)..], CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private static async Task<DateTimeOffset> DatabaseNowAsync(FaultedPipeline pipeline)
    {
        await using var cmd = pipeline.DataSource.CreateCommand("select now()");
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return r.GetFieldValue<DateTimeOffset>(0);
    }

    private static async Task<long> AuditRowsSinceAsync(FaultedPipeline pipeline, DateTimeOffset since)
    {
        await using var cmd = pipeline.DataSource.CreateCommand(
            $"select count(*) from {LedgerTables.QualifiedName(pipeline.Ledger.Schema, LedgerTables.AllocationAudit)} where allocated_at > $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = since });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
