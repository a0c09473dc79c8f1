using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ingest;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Reporting;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;
using Weasel.Core;
using Weasel.Postgresql.Tables;

namespace TrueCost.IntegrationTests.Ledger;

[Collection("infrastructure")]
public class LedgerSchemaTests(InfrastructureFixture infra)
{
    /// <summary>
    /// Every process applies the schema on start. A table whose declared column types differ from
    /// what PostgreSQL reports back would be altered on every start (and fail once a view depends on
    /// it). Views are re-created on start — Weasel cannot compare view text — which is harmless.
    /// </summary>
    [Fact]
    public async Task A_second_process_start_alters_no_table_and_applies_cleanly()
    {
        var database = await infra.NewDatabaseAsync();
        using (var first = LedgerStore.CreateStore(database, new LedgerOptions()))
        {
            await first.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        await using (var dataSource = NpgsqlDataSource.Create(database))
        {
            var schema = new LedgerOptions().Schema;
            Assert.Equal("default", await EventCompression.CurrentAsync(dataSource, schema, CancellationToken.None));
            Assert.Null(await EventCompression.UseLz4Async(dataSource, schema, CancellationToken.None));
        }

        using var second = LedgerStore.CreateStore(database, new LedgerOptions());
        var migration = await second.Storage.Database.CreateMigrationAsync();
        var alteredTables = migration.Deltas
            .Where(d => d.SchemaObject is Table && d.Difference != SchemaPatchDifference.None)
            .Select(d => d.SchemaObject.Identifier.ToString())
            .ToList();

        Assert.Empty(alteredTables);
        await second.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    /// <summary>
    /// A ledger whose usage_hourly predates the reported_cost column gets it on the next start, null on the rows it
    /// already has (none of their requests reported a cost), and keeps those rows.
    /// </summary>
    [Fact]
    public async Task A_usage_table_from_before_reported_cost_gains_the_column_as_null_and_keeps_its_rows()
    {
        var database = await infra.NewDatabaseAsync();
        var schema = new LedgerOptions().Schema;
        var table = LedgerTables.QualifiedName(schema, LedgerTables.UsageHourly);
        using (var first = LedgerStore.CreateStore(database, new LedgerOptions()))
        {
            await first.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(database);
        await using (var drop = dataSource.CreateCommand($"alter table {table} drop column reported_cost"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var older = UsageHourlyProjection.Columns.Where(c => c.Name != "reported_cost").ToList();
        await FlatRows.InsertAsync(dataSource, table, older, [FlatRows.Values(("hour", new DateTimeOffset(2026, 11, 16, 10, 0, 0, TimeSpan.Zero)), ("route", "/chat"), ("requests", 7L))]);

        using (var second = LedgerStore.CreateStore(database, new LedgerOptions()))
        {
            await second.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        await using var read = dataSource.CreateCommand($"select requests, reported_cost from {table}");
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(7L, reader.GetInt64(0));
        Assert.True(reader.IsDBNull(1));
        Assert.False(await reader.ReadAsync());
    }

    /// <summary>
    /// On a fresh database the pipeline host applies the schema, then switches the events' data column
    /// to lz4 (PostgreSQL 15 here is built with lz4); a second switch finds nothing to do.
    /// </summary>
    [Fact]
    public async Task The_pipeline_host_stores_events_compressed_with_lz4()
    {
        var database = await infra.NewDatabaseAsync();
        var ledger = new LedgerOptions();
        await using var dataSource = NpgsqlDataSource.Create(database);
        using (var host = PipelineHost.Build(database, new IngestOptions(), ledger, new PipelineRoles(Ingest: false, Projections: false), LogLevel.Warning))
        {
            await host.StartAsync();
            await host.StopAsync();
        }

        Assert.Equal(EventCompression.Method, await EventCompression.CurrentAsync(dataSource, ledger.Schema, CancellationToken.None));
        Assert.Null(await EventCompression.UseLz4Async(dataSource, ledger.Schema, CancellationToken.None));
    }
}
