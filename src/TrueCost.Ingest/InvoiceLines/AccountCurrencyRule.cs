using Npgsql;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ingest.InvoiceLines;

/// <summary>
/// FOCUS bills a billing account in one currency. The first stored line of an account establishes
/// it; a later line of that account in another currency is a mixed-currency export (two accounts
/// merged, or a converted column) and is rejected, because adding its cost to the others would
/// add euros to dollars. Lines without a BillingAccountId are not checked.
/// </summary>
public sealed class AccountCurrencyRule(LedgerOptions ledger) : ICrossRecordRule<InvoiceLineRecord>
{
    private readonly string _table = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.AccountCurrencies);

    public async Task<IReadOnlyList<string?>> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<InvoiceLineRecord> records, CancellationToken ct)
    {
        // Sorted keys take the unique-index locks in one order, so concurrent batches cannot deadlock.
        var first = records
            .Where(r => r.BillingAccountId is not null)
            .GroupBy(Key)
            .Select(g => g.First())
            .OrderBy(r => Key(r).Provider, StringComparer.Ordinal)
            .ThenBy(r => Key(r).Account, StringComparer.Ordinal)
            .ToArray();
        if (first.Length == 0)
        {
            return new string?[records.Count];
        }

        await using (var establish = new NpgsqlCommand(
            $"""
            insert into {_table} (provider, billing_account, currency, established_by)
            select * from unnest($1::text[], $2::text[], $3::text[], $4::text[]) on conflict do nothing
            """, conn, tx))
        {
            establish.Parameters.Add(new NpgsqlParameter { Value = first.Select(r => Key(r).Provider).ToArray() });
            establish.Parameters.Add(new NpgsqlParameter { Value = first.Select(r => Key(r).Account).ToArray() });
            establish.Parameters.Add(new NpgsqlParameter { Value = first.Select(r => r.BillingCurrency).ToArray() });
            establish.Parameters.Add(new NpgsqlParameter { Value = first.Select(r => r.LineId).ToArray() });
            await establish.ExecuteNonQueryAsync(ct);
        }

        var established = new Dictionary<(string Provider, string Account), (string Currency, string Line)>();
        await using (var select = new NpgsqlCommand(
            $"""
            select c.provider, c.billing_account, c.currency, c.established_by
            from {_table} c join unnest($1::text[], $2::text[]) as k(p, a) on c.provider = k.p and c.billing_account = k.a
            """, conn, tx))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = first.Select(r => Key(r).Provider).ToArray() });
            select.Parameters.Add(new NpgsqlParameter { Value = first.Select(r => Key(r).Account).ToArray() });
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                established[(reader.GetString(0), reader.GetString(1))] = (reader.GetString(2), reader.GetString(3));
            }
        }

        return [.. records.Select(r => r.BillingAccountId is not null && established[Key(r)] is var (currency, line) && currency != r.BillingCurrency
            ? $"mixed currencies in one account: BillingCurrency '{r.BillingCurrency}' differs from '{currency}', which billing account '{r.BillingAccountId}'{Of(r)} bills in since line '{line}'"
            : null)];
    }

    private static (string Provider, string Account) Key(InvoiceLineRecord r) => (r.ProviderName ?? string.Empty, r.BillingAccountId!);

    private static string Of(InvoiceLineRecord r) => r.ProviderName is { } provider ? $" of {provider}" : string.Empty;
}
