using Weasel.Core.Partitioning;
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
    public const string AllocationQuarantine = "allocation_quarantine";
    public const string AllocationIssues = "allocation_issues";
    public const string PricedUsage = "priced_usage";
    public const string InvoiceLineShares = "invoice_line_shares";
    public const string HourChanges = "hour_changes";
    public const string InvoiceImports = "invoice_imports";

    /// <summary>
    /// The dedupe table, one partition per week of claiming (the ingest drops the weeks that left its window), and the
    /// hourly tables, one partition per month of their hour (kept until an operator archives them).
    /// </summary>
    public static readonly PartitionedTable IngestedRecordsByWeek = new(IngestedRecords, "claimed_in", PartitionPeriod.Week);
    public static readonly PartitionedTable UsageHourlyByMonth = new(UsageHourly, "hour", PartitionPeriod.Month);
    public static readonly PartitionedTable GpuHourlyByMonth = new(GpuHourly, "hour", PartitionPeriod.Month);
    public static readonly PartitionedTable CostLineHourlyByMonth = new(CostLineHourly, "hour", PartitionPeriod.Month);
    public static readonly PartitionedTable CostHourlyByMonth = new(CostHourly, "hour", PartitionPeriod.Month);
    public static readonly PartitionedTable PricedUsageByMonth = new(PricedUsage, "hour", PartitionPeriod.Month);

    public static readonly IReadOnlyList<PartitionedTable> Monthly = [UsageHourlyByMonth, GpuHourlyByMonth, CostLineHourlyByMonth, CostHourlyByMonth, PricedUsageByMonth];

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

        // The start of the week the id was claimed in (UTC). Rows of a table from before partitioning get the week of
        // the upgrade (the default), so they are kept a whole window from then.
        ingested.AddColumn("claimed_in", "timestamptz").AsPrimaryKey().DefaultValueByExpression("date_trunc('week'::text, now(), 'UTC'::text)");
        TablePartitions.PartitionBy(ingested, IngestedRecordsByWeek);
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

        yield return TablePartitions.Function(schema);
        yield return Flat(schema, UsageHourly, UsageHourlyProjection.Columns, UsageHourlyByMonth);
        yield return Flat(schema, GpuHourly, GpuHourlyProjection.Columns, GpuHourlyByMonth);
        yield return Flat(schema, CostLineHourly, CostLineHourlyProjection.Columns, CostLineHourlyByMonth);
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

        cost.AddColumn<long>("unpriced_requests").NotNull().DefaultValueByExpression("0");
        cost.AddColumn<long>("unpriced_tokens").NotNull().DefaultValueByExpression("0");
        cost.AddColumn("allocated_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        TablePartitions.PartitionBy(cost, CostHourlyByMonth);
        yield return cost;

        // What the allocator could not cost as it came (unpriced usage, lines without an FX rate, invoices
        // without usage, unmapped GPU spend), per hour: replaced with the hour's allocation.
        var issues = new Table(QualifiedName(schema, AllocationIssues));
        issues.AddColumn("id", "bigserial").AsPrimaryKey();
        issues.AddColumn("hour", "timestamptz").NotNull();
        issues.AddColumn<string>("kind").NotNull();
        issues.AddColumn<string>("subject").NotNull();
        issues.AddColumn<string>("reason").NotNull();
        issues.AddColumn("amount", "numeric");
        issues.AddColumn<string>("currency");
        issues.AddColumn<long>("requests").NotNull();
        issues.AddColumn<long>("tokens").NotNull();
        yield return issues;

        // API usage with its list-price cost and the price that made it (or why it has none), per hour.
        var priced = new Table(QualifiedName(schema, PricedUsage));
        priced.AddColumn("hour", "timestamptz").AsPrimaryKey();
        foreach (var key in new[] { "route", "tenant", "provider", "model", "traffic_class", "serving_mode", "gpu_pool" })
        {
            priced.AddColumn<string>(key).AsPrimaryKey();
        }

        priced.AddColumn<long>("requests").NotNull();
        priced.AddColumn<long>("input_tokens").NotNull();
        priced.AddColumn<long>("output_tokens").NotNull();
        priced.AddColumn("list_cost", "numeric").NotNull();
        priced.AddColumn<string>("currency").NotNull();
        priced.AddColumn<long>("unpriced_requests").NotNull();
        priced.AddColumn<long>("unpriced_tokens").NotNull();
        priced.AddColumn<string>("price").NotNull();
        TablePartitions.PartitionBy(priced, PricedUsageByMonth);
        yield return priced;

        // Each FOCUS import of a billing account × billing period × provider, in the order first seen.
        var imports = new Table(QualifiedName(schema, InvoiceImports));
        imports.AddColumn<string>("import_scope").AsPrimaryKey();
        imports.AddColumn<string>("import_id").AsPrimaryKey();
        imports.AddColumn<long>("first_sequence").NotNull();
        imports.AddColumn("first_seen_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return imports;

        // The outbox of allocation: every hour whose allocated total changed, in the transaction that changed it,
        // for the reporting worker to publish (a published weekly report of that week is then restated).
        var changes = new Table(QualifiedName(schema, HourChanges));
        changes.AddColumn("id", "bigserial").AsPrimaryKey();
        changes.AddColumn("hour", "timestamptz").NotNull();
        changes.AddColumn("previous_total", "numeric(18,2)");
        changes.AddColumn("new_total", "numeric(18,2)").NotNull();
        changes.AddColumn<string>("currency").NotNull();
        changes.AddColumn<string>("reason").NotNull();
        changes.AddColumn("changed_at", "timestamptz").NotNull().DefaultValueByExpression("now()");

        // Ids are handed out before commit, so a relay reading "id > cursor" can pass an id whose transaction commits
        // later. The writing transaction's id lets it read only what every in-flight transaction can no longer precede.
        changes.AddColumn("tx_id", "xid8").NotNull().DefaultValueByExpression("pg_current_xact_id()");
        yield return changes;

        // Each provider invoice line's cent share of every hour of its charge period, by usage.
        var shares = new Table(QualifiedName(schema, InvoiceLineShares));
        shares.AddColumn<string>("line_id").AsPrimaryKey();
        shares.AddColumn("hour", "timestamptz").AsPrimaryKey();
        shares.AddColumn("amount", "numeric(18,2)").NotNull();
        yield return shares;

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
        audit.AddColumn("conversions", "jsonb").NotNull().DefaultValueByExpression("'[]'::jsonb");
        audit.AddColumn<string>("prices").NotNull().DefaultValueByExpression("''");

        // Re-allocations of the hour while it was still open, folded into this row (see AllocationStore.SaveAsync); the
        // index finds an hour's latest row for that.
        audit.AddColumn<int>("allocations").NotNull().DefaultValueByExpression("1");
        audit.Indexes.Add(new IndexDefinition($"{AllocationAudit}_hour") { Columns = ["hour", "id"] });
        yield return audit;

        // Hours the allocator could not allocate: out of the queue so later hours go on, kept here with the error
        // until new data or `truecost reallocate` queues the hour again and it allocates.
        var quarantine = new Table(QualifiedName(schema, AllocationQuarantine));
        quarantine.AddColumn("hour", "timestamptz").AsPrimaryKey();
        quarantine.AddColumn<string>("reason").NotNull();
        quarantine.AddColumn<string>("error").NotNull();
        quarantine.AddColumn<int>("attempts").NotNull();
        quarantine.AddColumn("first_failed_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        quarantine.AddColumn("last_failed_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return quarantine;
        yield return Pricing.PriceCatalogueStore.Table(schema);
    }

    private static Table Flat(string schema, string name, IReadOnlyList<FlatColumn> columns, PartitionedTable? partitioned = null)
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
        if (partitioned is not null)
        {
            TablePartitions.PartitionBy(table, partitioned);
        }

        return table;
    }
}
