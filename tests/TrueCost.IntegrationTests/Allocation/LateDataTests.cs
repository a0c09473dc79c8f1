using System.Text.Json;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TrueCost.Contracts;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Verification;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Allocation;

[Collection("infrastructure")]
public class LateDataTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_late_credit_reallocates_only_the_hours_it_covers_with_an_audit_trail_and_a_rebuild_reproduces_the_table()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var records = new SyntheticDay(Day, 3_000, seed: 31).Generate().ToList();
        var host = await pipeline.StartHostAsync();
        await pipeline.ProduceAsync(records);
        await pipeline.SettledAsync(host, records.Count, Patience);
        var before = await CostByHourAsync(pipeline);

        var credit = new InvoiceLineRecord
        {
            LineId = "late-credit-egress",
            BilledCost = -7.50m,
            EffectiveCost = -7.50m,
            BillingCurrency = "USD",
            ChargePeriodStart = Day.AddHours(5),
            ChargePeriodEnd = Day.AddHours(8),
            ChargeCategory = "Credit",
            ChargeClass = "Correction",
            ServiceCategory = "Networking",
            ServiceName = "Data Transfer",
        };
        await pipeline.ProduceAsync([new SyntheticRecord(Topics.InvoiceLines, credit.LineId, JsonSerializer.SerializeToUtf8Bytes(credit, WireJson.Options), Valid: true)]);
        await pipeline.SettledAsync(host, records.Count + 1, Patience);
        var after = await CostByHourAsync(pipeline);

        var changed = before.Keys.Where(h => before[h] != after[h]).Order().ToList();
        Assert.Equal([Day.AddHours(5), Day.AddHours(6), Day.AddHours(7)], changed);
        Assert.Equal(-7.50m, changed.Sum(h => after[h] - before[h]));
        await using (var audit = pipeline.DataSource.CreateCommand(
            "select count(*) from truecost.allocation_audit where hour = $1 and previous_total is not null and sources::text like '%late-credit-egress%'"))
        {
            audit.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Day.AddHours(6) });
            Assert.Equal(1L, (long)(await audit.ExecuteScalarAsync())!);
        }

        var auditsBeforeRebuild = await CountAsync(pipeline, "select count(*) from truecost.allocation_audit");
        var store = host.Services.GetRequiredService<IDocumentStore>();
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            foreach (var projection in new[] { "usage_hourly", "gpu_hourly", "cost_line_hourly", "incidents" })
            {
                await daemon.RebuildProjectionAsync(projection, Patience, CancellationToken.None);
            }
        }

        await pipeline.SettledAsync(host, records.Count + 1, Patience);
        Assert.True(await CountAsync(pipeline, "select count(*) from truecost.allocation_audit") >= auditsBeforeRebuild + 24, "the rebuild re-allocated every hour from the rebuilt projections");
        Assert.Equal(after, await CostByHourAsync(pipeline));
        var rules = await host.Services.GetRequiredService<LedgerRulesSource>().CurrentAsync(CancellationToken.None);
        var verified = await new LedgerVerifier(pipeline.DataSource, pipeline.Ledger, rules).VerifyAsync(Day, Day.AddDays(1), CancellationToken.None);
        Assert.True(verified.Passed, string.Join("; ", verified.Differences.Select(d => $"{d.Hour:HH} {d.What} {d.Expected} vs {d.Actual}")));
        Assert.Equal(verified.Expected, verified.Allocated);
    }

    private static async Task<long> CountAsync(PipelineUnderTest pipeline, string sql)
    {
        await using var cmd = pipeline.DataSource.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<Dictionary<DateTimeOffset, decimal>> CostByHourAsync(PipelineUnderTest pipeline)
    {
        var rows = new Dictionary<DateTimeOffset, decimal>();
        await using var cmd = pipeline.DataSource.CreateCommand("select hour, sum(total) from truecost.cost_hourly group by hour");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows[r.GetFieldValue<DateTimeOffset>(0)] = r.GetDecimal(1);
        }

        return rows;
    }
}
