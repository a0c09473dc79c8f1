using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TrueCost.Contracts;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Storage;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Ingest;

/// <summary>
/// A record that passes validation but that PostgreSQL refuses to store must not stall its topic:
/// here a trigger on the event table refuses any event holding one tenant, as a server-side limit
/// or constraint would, and the worker isolates that record by storing the batch in halves.
/// </summary>
[Collection("infrastructure")]
public class StorageRefusalTests(InfrastructureFixture infra, ITestOutputHelper output)
{
    private const string PoisonTenant = "tenant-refused-by-the-server";
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_record_PostgreSQL_refuses_is_dead_lettered_alone_with_the_servers_reason_and_every_record_around_it_is_stored()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, partitions: 2);
        await RefuseTenantAsync(pipeline);
        var valid = new RequestLogGenerator(Day, 3_000, seed: 31, invalidShare: 0).Generate().ToList();
        var poison = Poisoned(valid[0]);
        var records = valid.Take(1_500).Append(poison).Concat(valid.Skip(1_500)).ToList();
        await pipeline.ProduceAsync(records);
        var host = await pipeline.StartHostAsync(projections: false);

        var counters = PipelineUnderTest.Counters(host, pipeline.RequestTopic);
        await Eventually.TrueAsync(() => counters.Processed >= records.Count, Patience, () => $"processed {counters.Processed} of {records.Count}");
        var sentinel = new RequestLogGenerator(Day.AddHours(12), 1, seed: 32, invalidShare: 0).Generate().Take(1).ToList();
        await pipeline.ProduceAsync(sentinel);
        await Eventually.TrueAsync(() => counters.Processed >= records.Count + 1, Patience, () => $"processed {counters.Processed} of {records.Count + 1}");
        Assert.All(host.Services.GetServices<IHostedService>().OfType<BackgroundService>(), w => Assert.False(w.ExecuteTask?.IsCompleted, $"{w.GetType().Name} stopped"));

        Assert.Equal(StoredIds.Of(valid.Concat(sentinel).Select(r => r.Key)), await pipeline.StoredRequestIdsAsync());
        Assert.Equal(1, counters.DeadLettered);
        var dead = Assert.Single(pipeline.ReadDeadLetters(Topics.RequestLogs, 1, Patience));
        Assert.Equal(poison.Key, dead.Message.Key);
        var reason = Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason));
        Assert.Contains($"PostgreSQL refused to store the record: 23514 events of {PoisonTenant} are refused (constraint no_refused_tenant)", reason, StringComparison.Ordinal);
        output.WriteLine($"{records.Count:N0} records with one the server refuses, then one more: {counters.Stored:N0} stored, {counters.DeadLettered} dead-lettered: {reason}");
    }

    private static SyntheticRecord Poisoned(SyntheticRecord template)
    {
        var record = JsonSerializer.Deserialize<RequestLogRecord>(template.Value, WireJson.Options)! with { RequestId = "req-refused-1", Tenant = PoisonTenant };
        return template with { Key = record.RequestId, Value = JsonSerializer.SerializeToUtf8Bytes(record, WireJson.Options) };
    }

    private static async Task RefuseTenantAsync(PipelineUnderTest pipeline)
    {
        using (var store = LedgerStore.CreateStore(pipeline.Postgres, pipeline.Ledger))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        var events = $"{pipeline.Ledger.Schema}.mt_events";
        await using var conn = await pipeline.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(
            $"""
            create function {pipeline.Ledger.Schema}.refuse_tenant() returns trigger language plpgsql as $$
            begin
              if position('{PoisonTenant}' in new.data::text) > 0 then
                raise exception 'events of {PoisonTenant} are refused' using errcode = 'check_violation', constraint = 'no_refused_tenant';
              end if;
              return new;
            end $$;
            create trigger no_refused_tenant before insert on {events} for each row execute function {pipeline.Ledger.Schema}.refuse_tenant();
            """,
            conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
