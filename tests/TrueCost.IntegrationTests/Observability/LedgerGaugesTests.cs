using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.Observability;
using TrueCost.Ledger.Storage;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Observability;

[Collection("infrastructure")]
public class LedgerGaugesTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Projection_lag_is_read_for_the_ledgers_projections_only_and_is_zero_once_they_applied_every_event_past_a_sequence_gap()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, partitions: 2);
        var first = new RequestLogGenerator(Day, 1_000, seed: 71, invalidShare: 0).Generate().ToList();
        var second = new RequestLogGenerator(Day, 500, seed: 72, invalidShare: 0).Generate().ToList();
        var host = await pipeline.StartHostAsync();
        await pipeline.ProduceAsync(first);
        await pipeline.SettledAsync(host, first.Count, Patience);

        // Sequence numbers drawn and never stored, as those of the appends a PostgreSQL restart rolls back: the events
        // after them leave a gap that the daemon finds stuck and then skips.
        var schema = pipeline.Ledger.Schema;
        await using (var gap = pipeline.DataSource.CreateCommand($"select count(nextval('{schema}.mt_events_sequence')) from generate_series(1, 5)"))
        {
            await gap.ExecuteScalarAsync();
        }

        await pipeline.ProduceAsync(second);
        await pipeline.SettledAsync(host, first.Count + second.Count, Patience);

        // The daemon's bookkeeping kept a progression row at the gap, behind the newest event, while every projection
        // went past it.
        await using (var bookkeeping = pipeline.DataSource.CreateCommand($"""
            select count(*) from {schema}.mt_event_progression
            where name <> all($1) and last_seq_id < (select max(seq_id) from {schema}.mt_events)
            """))
        {
            bookkeeping.Parameters.Add(new NpgsqlParameter { Value = LedgerStore.ProjectionShards.ToArray() });
            Assert.True((long)(await bookkeeping.ExecuteScalarAsync())! > 0, "no progression row other than the projections' stayed behind the newest event");
        }

        using var gauges = new LedgerGauges(
            pipeline.DataSource,
            pipeline.Ledger,
            host.Services.GetRequiredService<ProjectorLeadership>(),
            new LedgerGaugeOptions(TimeSpan.FromSeconds(5)),
            NullLogger<LedgerGauges>.Instance);
        var snapshot = await gauges.ReadAsync(CancellationToken.None);

        Assert.Equal(LedgerStore.ProjectionShards.Order(), snapshot.Projections.Select(p => p.Name));
        Assert.All(snapshot.Projections, p => Assert.Equal((0L, 0d), (p.EventsBehind, p.LagSeconds)));
    }
}
