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

    private static async Task<long> CountAsync(PipelineUnderTest pipeline, string sql)
    {
        await using var cmd = pipeline.DataSource.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
