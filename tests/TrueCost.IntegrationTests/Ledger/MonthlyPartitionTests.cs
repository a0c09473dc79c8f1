using Microsoft.Extensions.DependencyInjection;
using TrueCost.Contracts;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Verification;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Ledger;

[Collection("infrastructure")]
public class MonthlyPartitionTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset October31 = new(2026, 10, 31, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset November1 = October31.AddDays(1);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Data_on_both_sides_of_a_month_boundary_lands_in_its_months_partitions_and_totals_over_the_boundary_match_the_sources()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);

        // One day at a time (the in-memory broker keeps about 5 MiB per partition); the second day's incident records
        // share the first day's incident id, so they are left out.
        var first = new SyntheticDay(October31, 2_000, seed: 61).Generate().ToList();
        var second = new SyntheticDay(November1, 2_000, seed: 62).Generate().Where(r => r.Topic != Topics.Incidents).ToList();
        var records = first.Concat(second).ToList();
        var host = await pipeline.StartHostAsync();
        await pipeline.ProduceAsync(first);
        await pipeline.SettledAsync(host, first.Count, Patience);
        await pipeline.ProduceAsync(second);
        await pipeline.SettledAsync(host, records.Count, Patience);

        // October and November have no partition until the hourly pass (which also runs at start) creates them; until
        // then their rows wait in the default partition. Here the pass runs now.
        await using (var conn = await pipeline.DataSource.OpenConnectionAsync())
        {
            foreach (var table in LedgerTables.Monthly)
            {
                await TablePartitions.EnsureAheadAsync(conn, pipeline.Ledger.Schema, table, DateTimeOffset.UtcNow, CancellationToken.None);
            }
        }

        foreach (var table in LedgerTables.Monthly)
        {
            Assert.Equal(0L, await CountAsync(pipeline, $"select count(*) from truecost.{table.Name}_default"));
            var partitions = (await TablePartitions.ListAsync(pipeline.DataSource, pipeline.Ledger.Schema, table, CancellationToken.None)).Select(p => p.Start).ToList();
            Assert.Contains(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), partitions);
            Assert.Contains(November1, partitions);

            // Every row sits in the partition of its month: none in October's partition is from November, and the reverse.
            Assert.Equal(0L, await CountAsync(pipeline, $"select count(*) from truecost.{table.PartitionName(October31)} where hour >= '{November1:O}'"));
            Assert.Equal(0L, await CountAsync(pipeline, $"select count(*) from truecost.{table.PartitionName(November1)} where hour < '{November1:O}'"));
            Assert.True(await CountAsync(pipeline, $"select count(*) from truecost.{table.PartitionName(October31)}") > 0, $"{table.Name} has October rows");
            Assert.True(await CountAsync(pipeline, $"select count(*) from truecost.{table.PartitionName(November1)}") > 0, $"{table.Name} has November rows");
        }

        // A query over the boundary equals its two halves and the cost that entered the system, to the cent.
        var costs = new CostQueries(pipeline.DataSource, pipeline.Ledger);
        var end = November1.AddDays(1);
        var across = (await costs.GroupedAsync("route", October31.AddHours(12), November1.AddHours(12), CancellationToken.None)).Sum(l => l.Total);
        var halves = (await costs.GroupedAsync("route", October31.AddHours(12), November1, CancellationToken.None)).Sum(l => l.Total)
            + (await costs.GroupedAsync("route", November1, November1.AddHours(12), CancellationToken.None)).Sum(l => l.Total);
        Assert.Equal(halves, across);
        Assert.True(across > 0);

        var rules = await host.Services.GetRequiredService<LedgerRulesSource>().CurrentAsync(CancellationToken.None);
        var verified = await new LedgerVerifier(pipeline.DataSource, pipeline.Ledger, rules).VerifyAsync(October31, end, CancellationToken.None);
        Assert.True(verified.Passed, string.Join("; ", verified.Differences.Select(d => $"{d.Hour:u} {d.What} {d.Expected} vs {d.Actual}")));
        Assert.Equal(verified.Expected, verified.Allocated);
        Assert.Equal(verified.Allocated, (await costs.GroupedAsync("hour", October31, end, CancellationToken.None)).Sum(l => l.Total));

        var requests = records.Count(r => r.Topic == Topics.RequestLogs && r.Valid);
        Assert.Equal(requests, await CountAsync(pipeline, "select sum(requests)::bigint from truecost.usage_hourly"));
    }

    /// <summary>
    /// A row of a month without a partition waits in cost_hourly's default partition. While an open transaction has read
    /// the table (an analyst's long query), moving it would queue every writer and reader behind the detach: the pass
    /// gives way within its lock timeout and leaves the row where it is, readable. Once the query ends, the next pass moves it.
    /// </summary>
    [Fact]
    public async Task The_partition_pass_gives_way_to_a_long_query_and_moves_the_waiting_rows_once_it_ends()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);

        // The host applies the schema; stopped, its own partition pass cannot race the ones run here.
        var host = await pipeline.StartHostAsync(projections: false);
        await host.StopAsync();
        var january2019 = new DateTimeOffset(2019, 1, 15, 10, 0, 0, TimeSpan.Zero);
        var table = LedgerTables.Monthly.Single(t => t.Name == LedgerTables.CostHourly);
        await using (var insert = pipeline.DataSource.CreateCommand($"""
            insert into truecost.cost_hourly (hour, route, tenant, model, traffic_class, currency, direct_inference, platform_overhead, observability, engineering, incident, idle, total)
            values ('{january2019:O}', 'chat', 'acme', 'gpt-4o', 'interactive', 'USD', 1.25, 0, 0, 0, 0, 0, 1.25)
            """))
        {
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal(1L, await CountAsync(pipeline, "select count(*) from truecost.cost_hourly_default"));
        await using (var analyst = await pipeline.DataSource.OpenConnectionAsync())
        await using (var query = await analyst.BeginTransactionAsync())
        {
            await using (var read = new Npgsql.NpgsqlCommand("select count(*) from truecost.cost_hourly", analyst, query))
            {
                await read.ExecuteScalarAsync();
            }

            await using var conn = await pipeline.DataSource.OpenConnectionAsync();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.False(await TablePartitions.TryEnsureAheadAsync(conn, pipeline.Ledger.Schema, table, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(300), CancellationToken.None));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the pass waited {clock.Elapsed}");
            Assert.Equal(1L, await CountAsync(pipeline, "select count(*) from truecost.cost_hourly_default"));
            Assert.Equal(1.25m, await SumAsync(pipeline, "select sum(total) from truecost.cost_hourly where hour < '2020-01-01'"));
        }

        await using (var conn = await pipeline.DataSource.OpenConnectionAsync())
        {
            Assert.True(await TablePartitions.TryEnsureAheadAsync(conn, pipeline.Ledger.Schema, table, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(300), CancellationToken.None));
        }

        Assert.Equal(0L, await CountAsync(pipeline, "select count(*) from truecost.cost_hourly_default"));
        Assert.Equal(1L, await CountAsync(pipeline, $"select count(*) from truecost.{table.PartitionName(january2019)}"));
    }

    private static async Task<decimal> SumAsync(PipelineUnderTest pipeline, string sql)
    {
        await using var cmd = pipeline.DataSource.CreateCommand(sql);
        return (decimal)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<long> CountAsync(PipelineUnderTest pipeline, string sql)
    {
        await using var cmd = pipeline.DataSource.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
