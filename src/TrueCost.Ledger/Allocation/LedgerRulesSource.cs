using Npgsql;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Allocation;

/// <summary>
/// The allocator's <see cref="LedgerRules"/>, rebuilt when a price catalogue is imported into the ledger
/// (<c>truecost prices import</c>), so a running projector prices with it from its next page on; a
/// configuration change needs a restart. One cheap query per call tells whether the imports changed.
/// </summary>
public sealed class LedgerRulesSource(NpgsqlDataSource dataSource, LedgerOptions options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (long Rows, DateTimeOffset? Latest)? _stamp;
    private LedgerRules? _rules;

    public async Task<LedgerRules> CurrentAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var stamp = await StampAsync(ct);
            if (_rules is null || stamp != _stamp)
            {
                _rules = LedgerRules.From(options, await LedgerStore.LoadPricesAsync(dataSource, options, ct));
                _stamp = stamp;
            }

            return _rules;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<(long, DateTimeOffset?)> StampAsync(CancellationToken ct)
    {
        try
        {
            await using var cmd = dataSource.CreateCommand($"select count(*), max(imported_at) from {options.Schema}.{PriceCatalogueStore.TableName}");
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            return (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return (0, null);
        }
    }
}
