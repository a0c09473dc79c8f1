using TrueCost.IntegrationTests.Infrastructure;
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

        using var second = LedgerStore.CreateStore(database, new LedgerOptions());
        var migration = await second.Storage.Database.CreateMigrationAsync();
        var alteredTables = migration.Deltas
            .Where(d => d.SchemaObject is Table && d.Difference != SchemaPatchDifference.None)
            .Select(d => d.SchemaObject.Identifier.ToString())
            .ToList();

        Assert.Empty(alteredTables);
        await second.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }
}
