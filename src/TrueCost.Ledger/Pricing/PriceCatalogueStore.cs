using Npgsql;
using NpgsqlTypes;
using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace TrueCost.Ledger.Pricing;

/// <summary>An imported catalogue version as stored: its prices and when it was (last) imported.</summary>
public sealed record ImportedCatalogue(string Version, DateTimeOffset ImportedAt, IReadOnlyList<TokenPrice> Prices);

/// <summary>
/// Imported price catalogue versions in PostgreSQL (<c>price_catalogue</c>), so every process prices with the
/// same lists. A version is imported whole in one transaction; importing a version again replaces it and makes
/// it the newest. How the versions combine with the configuration and the shipped list is
/// <see cref="PriceCatalogue.Layered"/>.
/// </summary>
public static class PriceCatalogueStore
{
    public const string TableName = "price_catalogue";

    public static ISchemaObject Table(string schema)
    {
        var table = new Table($"{schema}.{TableName}");
        table.AddColumn<string>("version").AsPrimaryKey();
        table.AddColumn<string>("provider").AsPrimaryKey();
        table.AddColumn<string>("model").AsPrimaryKey();
        table.AddColumn("effective_from", "timestamptz").AsPrimaryKey();
        table.AddColumn("effective_to", "timestamptz");
        table.AddColumn<string>("currency").NotNull();
        table.AddColumn("input_per_1m", "numeric").NotNull();
        table.AddColumn("output_per_1m", "numeric").NotNull();
        table.AddColumn("cache_read_per_1m", "numeric");
        table.AddColumn("cache_creation_per_1m", "numeric");
        table.AddColumn("reasoning_per_1m", "numeric");
        table.AddColumn<string>("source").NotNull();
        table.AddColumn("imported_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        return table;
    }

    /// <summary>Creates the schema and the table when missing, for tools that write prices before any ledger process has run.</summary>
    public static async Task EnsureTableAsync(NpgsqlDataSource ds, string schema, CancellationToken ct)
    {
        var ddl = new StringWriter();
        ddl.WriteLine($"create schema if not exists {schema};");
        Table(schema).WriteCreateStatement(new PostgresqlMigrator { TableCreation = CreationStyle.CreateIfNotExists }, ddl);
        await using var cmd = ds.CreateCommand(ddl.ToString());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stores <paramref name="prices"/> as <paramref name="version"/>, replacing what that version held; returns the rows written.</summary>
    public static async Task<int> ImportAsync(NpgsqlDataSource ds, string schema, string version, IReadOnlyList<TokenPrice> prices, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        // Refuses overlapping prices before anything is written.
        _ = new PriceCatalogue(version, prices);
        await using var conn = await ds.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var delete = new NpgsqlCommand($"delete from {schema}.{TableName} where version = $1", conn, tx))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = version });
            await delete.ExecuteNonQueryAsync(ct);
        }

        var importedAt = DateTimeOffset.UtcNow;
        await using (var copy = await conn.BeginBinaryImportAsync(
            $"copy {schema}.{TableName} (version, provider, model, effective_from, effective_to, currency, input_per_1m, output_per_1m, cache_read_per_1m, cache_creation_per_1m, reasoning_per_1m, source, imported_at) from stdin (format binary)", ct))
        {
            foreach (var p in prices)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(version, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(p.Provider, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(p.Model, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(p.EffectiveFrom.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, p.EffectiveTo?.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(p.Currency, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(p.InputPer1M, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(p.OutputPer1M, NpgsqlDbType.Numeric, ct);
                await WriteNullableAsync(copy, p.CacheReadPer1M, NpgsqlDbType.Numeric, ct);
                await WriteNullableAsync(copy, p.CacheCreationPer1M, NpgsqlDbType.Numeric, ct);
                await WriteNullableAsync(copy, p.ReasoningPer1M, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(p.Source ?? version, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(importedAt, NpgsqlDbType.TimestampTz, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await tx.CommitAsync(ct);
        return prices.Count;
    }

    /// <summary>Every imported price, the newest version (latest import) first, then by provider, model and start.</summary>
    public static async Task<IReadOnlyList<TokenPrice>> LoadAsync(NpgsqlDataSource ds, string schema, CancellationToken ct) =>
        [.. (await LoadVersionsAsync(ds, schema, ct)).SelectMany(v => v.Prices)];

    /// <summary>The imported versions, newest (latest import) first: the middle layers of <see cref="PriceCatalogue.Layered"/>.</summary>
    public static async Task<IReadOnlyList<ImportedCatalogue>> LoadVersionsAsync(NpgsqlDataSource ds, string schema, CancellationToken ct)
    {
        await using var cmd = ds.CreateCommand(
            $"""
            select version, provider, model, effective_from, effective_to, currency, input_per_1m, output_per_1m,
                   cache_read_per_1m, cache_creation_per_1m, reasoning_per_1m, source,
                   max(imported_at) over (partition by version) as version_imported_at
            from {schema}.{TableName}
            order by version_imported_at desc, version, provider, model, effective_from
            """);
        var versions = new List<ImportedCatalogue>();
        var prices = new List<TokenPrice>();
        string? current = null;
        var currentAt = DateTimeOffset.MinValue;
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var version = r.GetString(0);
            if (version != current && current is not null)
            {
                versions.Add(new ImportedCatalogue(current, currentAt, prices));
                prices = [];
            }

            current = version;
            currentAt = r.GetFieldValue<DateTimeOffset>(12);
            prices.Add(new TokenPrice
            {
                Provider = r.GetString(1),
                Model = r.GetString(2),
                EffectiveFrom = r.GetFieldValue<DateTimeOffset>(3),
                EffectiveTo = r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4),
                Currency = r.GetString(5),
                InputPer1M = r.GetDecimal(6),
                OutputPer1M = r.GetDecimal(7),
                CacheReadPer1M = r.IsDBNull(8) ? null : r.GetDecimal(8),
                CacheCreationPer1M = r.IsDBNull(9) ? null : r.GetDecimal(9),
                ReasoningPer1M = r.IsDBNull(10) ? null : r.GetDecimal(10),
                Source = r.GetString(11),
            });
        }

        if (current is not null)
        {
            versions.Add(new ImportedCatalogue(current, currentAt, prices));
        }

        return versions;
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct)
        where T : struct
    {
        if (value is { } v)
        {
            await copy.WriteAsync(v, type, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }
}
