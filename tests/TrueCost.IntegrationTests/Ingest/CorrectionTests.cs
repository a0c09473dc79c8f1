using System.Text;
using Marten;
using TrueCost.Contracts;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Storage;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Ingest;

/// <summary>
/// A producer that sends a record a cross-record rule rejects, then the corrected record with the
/// same id right behind it (usually in the same batch): the correction is stored, the rejected one
/// is dead-lettered with the rule's reason, and a resent copy of the correction is a duplicate.
/// </summary>
[Collection("infrastructure")]
public class CorrectionTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_correction_right_behind_a_rejected_line_is_stored_under_the_same_id()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var topic = pipeline.Ingest.TopicFor(Topics.InvoiceLines);
        SyntheticRecord[] records =
        [
            Line("line-1", "USD", 10m),
            Line("line-2", "EUR", 20m),
            Line("line-2", "USD", 21m),
            Line("line-2", "USD", 21m),
            Line("line-3", "USD", 30m),
        ];
        await pipeline.ProduceAsync(records);
        var host = await pipeline.StartHostAsync(projections: false);

        var counters = PipelineUnderTest.Counters(host, topic);
        await Eventually.TrueAsync(() => counters.Processed >= records.Length, Patience, () => $"processed {counters.Processed} of {records.Length}");

        using var store = LedgerStore.CreateStore(pipeline.Postgres, pipeline.Ledger);
        await using var session = store.QuerySession();
        var lines = (await session.Events.QueryRawEventDataOnly<InvoiceLinesRecorded>().ToListAsync()).SelectMany(e => e.Lines).ToList();
        Assert.Equal([("line-1", 10m, "USD"), ("line-2", 21m, "USD"), ("line-3", 30m, "USD")], lines.Select(l => (l.LineId, l.BilledCost, l.Currency)).Order());
        Assert.Equal(1, counters.Duplicates);
        var dead = Assert.Single(pipeline.ReadDeadLetters(Topics.InvoiceLines, 1, Patience));
        Assert.Contains("\"x_LineId\":\"line-2\",\"BilledCost\":20,", dead.Message.Value, StringComparison.Ordinal);
        Assert.StartsWith("mixed currencies in one account", Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason)), StringComparison.Ordinal);
    }

    /// <summary>All lines share one key, so they land on one partition in this order.</summary>
    private static SyntheticRecord Line(string id, string currency, decimal cost) => new(
        Topics.InvoiceLines,
        "acct-1",
        Encoding.UTF8.GetBytes($$"""
            {"x_LineId":"{{id}}","BilledCost":{{cost}},"EffectiveCost":{{cost}},"BillingCurrency":"{{currency}}","BillingAccountId":"acct-1",
             "ProviderName":"Anthropic","BillingPeriodStart":"2026-11-01T00:00:00Z","BillingPeriodEnd":"2026-12-01T00:00:00Z",
             "ChargePeriodStart":"2026-11-16T14:00:00Z","ChargePeriodEnd":"2026-11-16T15:00:00Z","ChargeCategory":"Usage"}
            """),
        Valid: true);
}
