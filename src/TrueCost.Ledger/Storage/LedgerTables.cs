using Weasel.Postgresql.Tables;
using Weasel.Postgresql.Views;
using TrueCost.Ledger.GpuSamples;
using TrueCost.Ledger.Incidents;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.RequestLogs;

namespace TrueCost.Ledger.Storage;

/// <summary>
/// The flat tables and views TrueCost owns beside Marten's event store: ingest bookkeeping (Kafka
/// offsets, record-id dedupe) and the projections analysts query with plain SQL.
/// </summary>
public static class LedgerTables
{
    public const string KafkaOffsets = "kafka_offsets";
    public const string IngestedRecords = "ingested_records";
    public const string AccountCurrencies = "account_currencies";
    public const string IncidentBounds = "incident_bounds";
    public const string UsageHourly = "usage_hourly";
    public const string GpuHourly = "gpu_hourly";
    public const string GpuPoolHourly = "gpu_pool_hourly";
    public const string CostLineHourly = "cost_line_hourly";
    public const string Incidents = "incidents";
    public const string AllocationQueue = "allocation_queue";
    public const string CostHourly = "cost_hourly";
    public const string AllocationAudit = "allocation_audit";

    public static string QualifiedName(string schema, string table) => $"{schema}.{table}";

    public static IEnumerable<Weasel.Core.ISchemaObject> All(string schema)
    {
        var offsets = new Table(QualifiedName(schema, KafkaOffsets));
        offsets.AddColumn<string>("consumer_group").AsPrimaryKey();
        offsets.AddColumn<string>("topic").AsPrimaryKey();
        offsets.AddColumn<int>("partition").AsPrimaryKey();
        offsets.AddColumn<long>("next_offset").NotNull();
        offsets.AddColumn("updated_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return offsets;

        var ingested = new Table(QualifiedName(schema, IngestedRecords));
        ingested.AddColumn("kind", "smallint").AsPrimaryKey();
        ingested.AddColumn<string>("record_id").AsPrimaryKey();
        ingested.AddColumn<long>("content_hash").NotNull();
        yield return ingested;

        var currencies = new Table(QualifiedName(schema, AccountCurrencies));
        currencies.AddColumn<string>("provider").AsPrimaryKey();
        currencies.AddColumn<string>("billing_account").AsPrimaryKey();
        currencies.AddColumn<string>("currency").NotNull();
        currencies.AddColumn<string>("established_by").NotNull();
        yield return currencies;

        var bounds = new Table(QualifiedName(schema, IncidentBounds));
        bounds.AddColumn<string>("incident_id").AsPrimaryKey();
        bounds.AddColumn("opened_at", "timestamptz");
        bounds.AddColumn<string>("opened_by");
        bounds.AddColumn("closed_at", "timestamptz");
        bounds.AddColumn<string>("closed_by");
        bounds.AddColumn<string>("closed_as");
        yield return bounds;

        yield return Flat(schema, UsageHourly, UsageHourlyProjection.Columns);
        yield return Flat(schema, GpuHourly, GpuHourlyProjection.Columns);
        yield return Flat(schema, CostLineHourly, CostLineHourlyProjection.Columns);
        yield return new View(QualifiedName(schema, GpuPoolHourly), GpuHourlyProjection.PoolViewSql(schema));
        yield return Flat(schema, Incidents, IncidentsProjection.Columns);

        var queue = new Table(QualifiedName(schema, AllocationQueue));
        queue.AddColumn("hour", "timestamptz").AsPrimaryKey();
        queue.AddColumn<string>("reason").NotNull();
        queue.AddColumn("queued_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return queue;

        var cost = new Table(QualifiedName(schema, CostHourly));
        cost.AddColumn("hour", "timestamptz").AsPrimaryKey();
        foreach (var key in new[] { "route", "tenant", "model", "traffic_class" })
        {
            cost.AddColumn<string>(key).AsPrimaryKey();
        }

        cost.AddColumn<string>("currency").NotNull();
        foreach (var money in new[] { "direct_inference", "platform_overhead", "observability", "engineering", "incident", "idle", "total" })
        {
            cost.AddColumn(money, "numeric(18,2)").NotNull();
        }

        cost.AddColumn("allocated_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return cost;

        var audit = new Table(QualifiedName(schema, AllocationAudit));
        audit.AddColumn("id", "bigserial").AsPrimaryKey();
        audit.AddColumn("hour", "timestamptz").NotNull();
        audit.AddColumn("allocated_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        audit.AddColumn<string>("reason").NotNull();
        audit.AddColumn("input_total", "numeric").NotNull();
        audit.AddColumn("previous_total", "numeric(18,2)");
        audit.AddColumn("new_total", "numeric(18,2)").NotNull();
        audit.AddColumn<int>("rows").NotNull();
        audit.AddColumn("sources", "jsonb").NotNull();
        yield return audit;
        yield return Pricing.PriceCatalogueStore.Table(schema);
    }

    private static Table Flat(string schema, string name, IReadOnlyList<FlatColumn> columns)
    {
        var table = new Table(QualifiedName(schema, name));
        foreach (var c in columns)
        {
            var column = table.AddColumn(c.Name, c.PgType);
            if (c.Merge == Merge.Key)
            {
                column.AsPrimaryKey();
            }
            else if (!c.Nullable)
            {
                column.NotNull();
            }
        }

        table.AddColumn("updated_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        return table;
    }
}
