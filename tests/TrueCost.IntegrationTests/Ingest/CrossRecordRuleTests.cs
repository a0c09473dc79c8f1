using Npgsql;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Ingest.Incidents;
using TrueCost.Ingest.InvoiceLines;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.Ingest;

/// <summary>The cross-record rules against real PostgreSQL: state survives only committed batches, and arrival order does not matter.</summary>
[Collection("infrastructure")]
public class CrossRecordRuleTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Opened = new(2026, 11, 16, 14, 0, 0, TimeSpan.Zero);
    private static readonly LedgerOptions Ledger = new();

    [Fact]
    public async Task An_incident_ending_before_it_opened_is_rejected_whichever_record_arrives_first()
    {
        await using var db = await DatabaseAsync();
        var rule = new IncidentOrderRule(Ledger);

        Assert.Equal([null], await ApplyAsync(db, rule, [Incident("r1", IncidentRecordTypes.Resolved, Opened.AddHours(2))]));
        var late = await ApplyAsync(db, rule, [Incident("r2", IncidentRecordTypes.Opened, Opened.AddHours(3))]);
        Assert.Contains("opened at 2026-11-16T17:00:00Z, after it was resolved at 2026-11-16T16:00:00Z (record r1)", late[0], StringComparison.Ordinal);

        Assert.Equal([null], await ApplyAsync(db, rule, [Incident("r3", IncidentRecordTypes.Opened, Opened)]));
        var early = await ApplyAsync(db, rule, [Incident("r4", IncidentRecordTypes.Mitigated, Opened.AddHours(-1))]);
        Assert.Contains("mitigated at 2026-11-16T13:00:00Z, before it was opened at 2026-11-16T14:00:00Z (record r3)", early[0], StringComparison.Ordinal);

        // Within one batch the records are judged in order, each against those before it.
        var batch = await ApplyAsync(db, rule, [Incident("a1", IncidentRecordTypes.Opened, Opened, "INC-2"), Incident("a2", IncidentRecordTypes.Resolved, Opened.AddMinutes(-5), "INC-2"), Incident("a3", IncidentRecordTypes.ResponderJoined, Opened.AddMinutes(-9), "INC-2")]);
        Assert.Null(batch[0]);
        Assert.Contains("resolved before opened", batch[1], StringComparison.Ordinal);
        Assert.Null(batch[2]);
    }

    [Fact]
    public async Task A_rolled_back_batch_leaves_no_state_behind()
    {
        await using var db = await DatabaseAsync();
        var rule = new IncidentOrderRule(Ledger);

        Assert.Equal([null], await ApplyAsync(db, rule, [Incident("r1", IncidentRecordTypes.Opened, Opened)], commit: false));

        Assert.Equal([null], await ApplyAsync(db, rule, [Incident("r2", IncidentRecordTypes.Resolved, Opened.AddHours(-1))]));
    }

    [Fact]
    public async Task A_billing_account_keeps_the_currency_of_its_first_line()
    {
        await using var db = await DatabaseAsync();
        var rule = new AccountCurrencyRule(Ledger);

        var first = await ApplyAsync(db, rule, [Line("l1", "USD", "acct-1"), Line("l2", "EUR", "acct-1"), Line("l3", "EUR", "acct-2")]);
        Assert.Null(first[0]);
        Assert.Contains("mixed currencies in one account: BillingCurrency 'EUR' differs from 'USD', which billing account 'acct-1' of Anthropic bills in since line 'l1'", first[1], StringComparison.Ordinal);
        Assert.Null(first[2]);

        var later = await ApplyAsync(db, rule, [Line("l4", "EUR", "acct-1"), Line("l5", "USD", "acct-1"), Line("l6", "EUR", account: null), Line("l7", "EUR", "acct-1", provider: "AWS")]);
        Assert.NotNull(later[0]);
        Assert.Equal([null, null, null], later.Skip(1));
    }

    private async Task<NpgsqlDataSource> DatabaseAsync()
    {
        var database = await infra.NewDatabaseAsync();
        using (var store = LedgerStore.CreateStore(database, Ledger))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        return NpgsqlDataSource.Create(database);
    }

    private static async Task<IReadOnlyList<string?>> ApplyAsync<T>(NpgsqlDataSource db, ICrossRecordRule<T> rule, IReadOnlyList<T> records, bool commit = true)
        where T : class
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var reasons = await rule.ApplyAsync(conn, tx, records, CancellationToken.None);
        if (commit)
        {
            await tx.CommitAsync();
        }
        else
        {
            await tx.RollbackAsync();
        }

        return reasons;
    }

    private static IncidentRecord Incident(string id, string type, DateTimeOffset at, string incident = "INC-1") =>
        new() { RecordId = id, IncidentId = incident, Type = type, Timestamp = at };

    private static InvoiceLineRecord Line(string id, string currency, string? account, string provider = "Anthropic") => new()
    {
        LineId = id,
        BilledCost = 10m,
        EffectiveCost = 10m,
        BillingCurrency = currency,
        BillingAccountId = account,
        ProviderName = provider,
        ChargePeriodStart = Opened,
        ChargePeriodEnd = Opened.AddHours(1),
        ChargeCategory = "Usage",
    };
}
