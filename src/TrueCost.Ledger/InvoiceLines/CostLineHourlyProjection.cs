using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.InvoiceLines;

/// <summary>
/// Async projection: <see cref="InvoiceLinesRecorded"/> → cost_line_hourly, one row per invoice line
/// and hour it covers, with the line's bucket, driver and attachment. Rows are keyed by line and
/// hour, so replaying a line rewrites the same rows; credits and corrections are lines of their own
/// and land in the hours they cover, however late they arrive. Lines of a FOCUS import carry its scope
/// (billing account × billing period × provider) and id; only the latest import of a scope counts
/// (<see cref="CountsSql"/>), so re-importing a corrected export replaces what the previous one contributed.
/// </summary>
public sealed partial class CostLineHourlyProjection : EventProjection
{
    public static readonly IReadOnlyList<FlatColumn> Columns =
    [
        new("hour", "timestamptz", Merge.Key),
        new("line_id", "text", Merge.Key),
        new("bucket", "text", Merge.Replace),
        new("driver", "text", Merge.Replace),
        new("pool", "text", Merge.Replace),
        new("provider", "text", Merge.Replace),
        new("model", "text", Merge.Replace),
        new("routes", "text", Merge.Replace),
        new("rule", "text", Merge.Replace),
        new("currency", "text", Merge.Replace),
        new("effective_cost", "numeric", Merge.Replace),
        new("billed_cost", "numeric", Merge.Replace),
        new("charge_category", "text", Merge.Replace),
        new("charge_class", "text", Merge.Replace),
        new("service_category", "text", Merge.Replace),
        new("service_name", "text", Merge.Replace),
        new("provider_names", "text", Merge.Replace),
        new("import_scope", "text", Merge.Replace),
        new("import_id", "text", Merge.Replace),
        new("event_sequence", "bigint", Merge.Replace),

        // Added for commitments (FOCUS CommitmentDiscountId / Status, ListCost): nullable, so a database from before them
        // gains them as null on its next start; its existing rows get values when cost_line_hourly is rebuilt.
        new("commitment_id", "text", Merge.Replace, Nullable: true),
        new("commitment_status", "text", Merge.Replace, Nullable: true),
        new("list_cost", "numeric", Merge.Replace, Nullable: true),
    ];

    /// <summary>
    /// The rows of cost_line_hourly that count: lines outside any import scope, and of each scope only the lines
    /// of its latest import (the one first seen last). Use as <c>… from cost_line_hourly c where {CountsSql("c")}</c>.
    /// </summary>
    public static string CountsSql(string schema, string alias) =>
        $"({alias}.import_scope = '' or {alias}.import_id = (select i.import_id from {schema}.{LedgerTables.InvoiceImports} i where i.import_scope = {alias}.import_scope order by i.first_sequence desc, i.import_id limit 1))";

    private readonly CostClassifier _classifier;
    private readonly string _upsertSql;
    private readonly string _schema;

    public CostLineHourlyProjection(CostClassifier classifier, string schema)
    {
        _classifier = classifier;
        Name = LedgerTables.CostLineHourly;
        IncludeType<InvoiceLinesRecorded>();
        var table = LedgerTables.QualifiedName(schema, LedgerTables.CostLineHourly);
        Options.DeleteDataInTableOnTeardown(table);
        _upsertSql = FlatUpsert.Sql(table, Columns);
        _schema = schema;
    }

    /// <summary>Every provider column of the line, in the order an invoice provider is resolved: service, service provider, provider, issuer, publisher.</summary>
    public static string ProviderNames(RecordedInvoiceLine line) =>
        string.Join('|', new[] { line.ServiceName, line.ServiceProviderName, line.ProviderName, line.InvoiceIssuerName, line.PublisherName }.Select(n => (n ?? string.Empty).Replace('|', ' ')));

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is not InvoiceLinesRecorded { Lines.Count: > 0 } batch)
        {
            return ValueTask.CompletedTask;
        }

        var rows = batch.Lines
            .SelectMany(line =>
            {
                var c = _classifier.Classify(line);
                var shares = ChargeSpreader.Spread(line.ChargePeriodStart, line.ChargePeriodEnd, line.EffectiveCost, line.BilledCost);
                var list = line.ListCost is { } listCost
                    ? ChargeSpreader.Spread(line.ChargePeriodStart, line.ChargePeriodEnd, listCost, 0m).Select(s => (decimal?)s.EffectiveCost).ToArray()
                    : new decimal?[shares.Count];
                return shares.Select((share, i) => (Line: line, Class: c, Share: share, ListCost: list[i]));
            })
            .ToArray();
        operations.QueueSqlCommand(
            _upsertSql,
            rows.Select(r => r.Share.Hour).ToArray(),
            rows.Select(r => r.Line.LineId).ToArray(),
            rows.Select(r => r.Class.Bucket).ToArray(),
            rows.Select(r => r.Class.Driver).ToArray(),
            rows.Select(r => r.Class.Pool).ToArray(),
            rows.Select(r => r.Class.Provider).ToArray(),
            rows.Select(r => r.Class.Model).ToArray(),
            rows.Select(r => r.Class.Routes).ToArray(),
            rows.Select(r => r.Class.Rule).ToArray(),
            rows.Select(r => r.Line.Currency).ToArray(),
            rows.Select(r => r.Share.EffectiveCost).ToArray(),
            rows.Select(r => r.Share.BilledCost).ToArray(),
            rows.Select(r => r.Line.ChargeCategory).ToArray(),
            rows.Select(r => r.Line.ChargeClass ?? string.Empty).ToArray(),
            rows.Select(r => r.Line.ServiceCategory ?? string.Empty).ToArray(),
            rows.Select(r => r.Line.ServiceName ?? string.Empty).ToArray(),
            rows.Select(r => ProviderNames(r.Line)).ToArray(),
            rows.Select(r => r.Line.ImportScope ?? string.Empty).ToArray(),
            rows.Select(r => r.Line.ImportId ?? string.Empty).ToArray(),
            rows.Select(_ => e.Sequence).ToArray(),
            rows.Select(r => r.Line.CommitmentDiscountId).ToArray(),
            rows.Select(r => r.Line.CommitmentDiscountStatus).ToArray(),
            rows.Select(r => r.ListCost).ToArray());
        DirtyHours.Enqueue(operations, _schema, rows.Select(r => r.Share.Hour), $"invoice lines (event {e.Sequence})");
        var imports = batch.Lines.Where(l => !string.IsNullOrEmpty(l.ImportScope) && !string.IsNullOrEmpty(l.ImportId)).Select(l => (Scope: l.ImportScope!, Id: l.ImportId!)).Distinct().ToArray();
        if (imports.Length > 0)
        {
            // An import first seen now becomes its scope's latest: every hour of the scope (the earlier import's
            // lines and this one's) is re-allocated, so the totals equal the latest export.
            operations.QueueSqlCommand(
                $"insert into {_schema}.{LedgerTables.InvoiceImports} (import_scope, import_id, first_sequence) select * from unnest(?::text[], ?::text[], ?::bigint[]) on conflict do nothing",
                imports.Select(i => i.Scope).ToArray(),
                imports.Select(i => i.Id).ToArray(),
                imports.Select(_ => e.Sequence).ToArray());
            operations.QueueSqlCommand(
                $"""
                insert into {_schema}.{LedgerTables.AllocationQueue} (hour, reason)
                select distinct hour, 'FOCUS import restates its billing period (event {e.Sequence})' from {_schema}.{LedgerTables.CostLineHourly} where import_scope = any(?)
                on conflict (hour) do update set reason = excluded.reason, queued_at = now()
                """,
                (object)imports.Select(i => i.Scope).Distinct().ToArray());
        }
        return ValueTask.CompletedTask;
    }
}
