using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.Allocation;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Allocation;

[Collection("infrastructure")]
public class AuditCoalescingTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Re_allocations_of_the_open_hour_keep_one_audit_row_and_those_after_it_closed_keep_their_history()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var records = new SyntheticDay(Day, 2_000, seed: 51).Generate().ToList();
        var host = await pipeline.StartHostAsync();
        await pipeline.ProduceAsync(records);
        await pipeline.SettledAsync(host, records.Count, Patience);

        // The pipeline's own allocator stops, so only the one below, on a clock set inside the hour, allocates it.
        await host.StopAsync();
        var hour = Day.AddHours(10);
        var total = await ScalarAsync<decimal>(pipeline, "select sum(total) from truecost.cost_hourly where hour = $1", hour);
        var before = await ScalarAsync<long>(pipeline, "select count(*) from truecost.allocation_audit where hour = $1", hour);
        var clock = new FakeTimeProvider(hour.AddMinutes(20));
        using var rules = new LedgerRulesSource(pipeline.DataSource, pipeline.Ledger);
        var allocator = new CostAllocatorService(pipeline.DataSource, pipeline.Ledger, rules, clock, NullLogger<CostAllocatorService>.Instance);

        for (var i = 0; i < 3; i++)
        {
            await ReallocateAsync(pipeline, allocator, hour);
            clock.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.Equal(before + 1, await ScalarAsync<long>(pipeline, "select count(*) from truecost.allocation_audit where hour = $1", hour));
        Assert.Equal(3, await ScalarAsync<int>(pipeline, "select allocations from truecost.allocation_audit where id = (select max(id) from truecost.allocation_audit where hour = $1)", hour));
        Assert.Equal(hour.AddMinutes(40), await ScalarAsync<DateTimeOffset>(pipeline, "select allocated_at from truecost.allocation_audit where id = (select max(id) from truecost.allocation_audit where hour = $1)", hour));
        Assert.Equal(total, await ScalarAsync<decimal>(pipeline, "select new_total from truecost.allocation_audit where id = (select max(id) from truecost.allocation_audit where hour = $1)", hour));

        clock.SetUtcNow(hour.AddMinutes(65));
        await ReallocateAsync(pipeline, allocator, hour);
        await ReallocateAsync(pipeline, allocator, hour);

        Assert.Equal(before + 3, await ScalarAsync<long>(pipeline, "select count(*) from truecost.allocation_audit where hour = $1", hour));
        Assert.Equal(before + 2, await ScalarAsync<long>(pipeline, "select count(*) from truecost.allocation_audit where hour = $1 and allocations = 1", hour));
        Assert.Equal(total, await ScalarAsync<decimal>(pipeline, "select sum(total) from truecost.cost_hourly where hour = $1", hour));
    }

    private static async Task ReallocateAsync(PipelineUnderTest pipeline, CostAllocatorService allocator, DateTimeOffset hour)
    {
        await using (var queue = pipeline.DataSource.CreateCommand("insert into truecost.allocation_queue (hour, reason) values ($1, 'usage')"))
        {
            queue.Parameters.Add(new NpgsqlParameter { Value = hour });
            await queue.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await allocator.AllocateQueuedAsync(CancellationToken.None));
    }

    private static async Task<T> ScalarAsync<T>(PipelineUnderTest pipeline, string sql, DateTimeOffset hour)
    {
        await using var cmd = pipeline.DataSource.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = hour });
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        return r.GetFieldValue<T>(0);
    }
}
