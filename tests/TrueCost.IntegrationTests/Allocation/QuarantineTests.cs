using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Reporting;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.Allocation;

/// <summary>
/// An hour whose allocation fails on its own data (here a platform line too large for cost_hourly's numeric(18,2))
/// is quarantined with its error while the hours around it are allocated; once the data is fixed and the hour is
/// queued again, it allocates and leaves the quarantine.
/// </summary>
[Collection("infrastructure")]
public class QuarantineTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Bad = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset[] Good = [Bad.AddHours(-1), Bad.AddHours(1)];

    [Fact]
    public async Task An_hour_that_cannot_be_allocated_is_quarantined_and_later_hours_are_allocated()
    {
        var postgres = await infra.NewDatabaseAsync();
        var ledger = new LedgerOptions();
        using (var store = LedgerStore.CreateStore(postgres, ledger))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(postgres);
        await InsertLineAsync(dataSource, ledger, Bad, 1e17m);
        foreach (var hour in Good)
        {
            await InsertLineAsync(dataSource, ledger, hour, 12.34m);
        }

        await QueueAsync(dataSource, ledger, [Bad, .. Good]);
        using var rules = new LedgerRulesSource(dataSource, ledger);
        var allocator = new CostAllocatorService(dataSource, ledger, rules, TimeProvider.System, NullLogger<CostAllocatorService>.Instance);

        Assert.Equal(3, await allocator.AllocateQueuedAsync(default));
        Assert.Equal(0, await allocator.AllocateQueuedAsync(default));
        Assert.True(allocator.Health.Healthy);
        var totals = await TotalsAsync(dataSource, ledger);
        Assert.Equal(Good.ToDictionary(h => h, _ => 12.34m), totals);
        var issue = Assert.Single(await new CostQueries(dataSource, ledger).IssuesAsync(Bad.AddDays(-1), Bad.AddDays(1), default), i => i.Kind == AllocationIssue.QuarantinedHour);
        Assert.Equal("2026-11-16T10:00Z", issue.Subject);
        Assert.Contains("22003", issue.Reason, StringComparison.Ordinal);

        await using (var fix = dataSource.CreateCommand($"update {ledger.Schema}.{LedgerTables.CostLineHourly} set effective_cost = 56.78, billed_cost = 56.78 where hour = $1"))
        {
            fix.Parameters.Add(new NpgsqlParameter { Value = Bad });
            await fix.ExecuteNonQueryAsync();
        }

        await QueueAsync(dataSource, ledger, [Bad]);
        Assert.Equal(1, await allocator.AllocateQueuedAsync(default));
        Assert.Equal(56.78m, (await TotalsAsync(dataSource, ledger))[Bad]);
        Assert.DoesNotContain(await new CostQueries(dataSource, ledger).IssuesAsync(Bad.AddDays(-1), Bad.AddDays(1), default), i => i.Kind == AllocationIssue.QuarantinedHour);
    }

    private static Task InsertLineAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, DateTimeOffset hour, decimal amount) =>
        FlatRows.InsertAsync(dataSource, LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostLineHourly), CostLineHourlyProjection.Columns,
            [FlatRows.Values(("hour", hour), ("line_id", $"lb-{hour:HH}"), ("bucket", CostBuckets.PlatformOverhead), ("driver", Drivers.Requests),
                ("currency", "USD"), ("effective_cost", amount), ("billed_cost", amount))]);

    private static async Task QueueAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, DateTimeOffset[] hours)
    {
        await using var cmd = dataSource.CreateCommand($"insert into {ledger.Schema}.{LedgerTables.AllocationQueue} (hour, reason) select unnest($1), 'test' on conflict do nothing");
        cmd.Parameters.Add(new NpgsqlParameter { Value = hours });
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<Dictionary<DateTimeOffset, decimal>> TotalsAsync(NpgsqlDataSource dataSource, LedgerOptions ledger)
    {
        await using var cmd = dataSource.CreateCommand($"select hour, sum(total) from {ledger.Schema}.{LedgerTables.CostHourly} group by hour");
        var totals = new Dictionary<DateTimeOffset, decimal>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            totals[r.GetFieldValue<DateTimeOffset>(0)] = r.GetDecimal(1);
        }

        return totals;
    }
}
