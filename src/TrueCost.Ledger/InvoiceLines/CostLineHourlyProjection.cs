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
/// and land in the hours they cover, however late they arrive.
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
        new("event_sequence", "bigint", Merge.Replace),
    ];

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
                return ChargeSpreader.Spread(line.ChargePeriodStart, line.ChargePeriodEnd, line.EffectiveCost, line.BilledCost)
                    .Select(share => (Line: line, Class: c, Share: share));
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
            rows.Select(_ => e.Sequence).ToArray());
        DirtyHours.Enqueue(operations, _schema, rows.Select(r => r.Share.Hour), $"invoice lines (event {e.Sequence})");
        return ValueTask.CompletedTask;
    }
}
