using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.GpuSamples;
using TrueCost.Ledger.Incidents;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.RequestLogs;

namespace TrueCost.Ledger.Storage;

/// <summary>Marten configuration for the ledger: event types, flat tables, projections.</summary>
public static class LedgerStore
{
    public static PriceCatalogue LoadPrices(LedgerOptions options) =>
        string.IsNullOrWhiteSpace(options.PriceCataloguePath)
            ? PriceCatalogue.Default()
            : PriceCatalogue.LoadFile(options.PriceCataloguePath);

    public static void Configure(StoreOptions opts, string connectionString, LedgerOptions options, PriceCatalogue prices)
    {
        options.Validate();
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = options.Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        opts.Events.AppendMode = EventAppendMode.Quick;
        opts.Events.AddEventType<RequestsRecorded>();
        opts.Events.AddEventType<GpuSamplesRecorded>();
        opts.Events.AddEventType<InvoiceLinesRecorded>();
        opts.Events.AddEventType<IncidentOpened>();
        opts.Events.AddEventType<ResponderJoined>();
        opts.Events.AddEventType<IncidentImpactUpdated>();
        opts.Events.AddEventType<IncidentMitigated>();
        opts.Events.AddEventType<IncidentResolved>();
        opts.Events.AddEventType<IncidentCreditIssued>();
        foreach (var table in LedgerTables.All(options.Schema))
        {
            opts.Storage.ExtendedSchemaObjects.Add(table);
        }

        opts.Projections.Add(
            new UsageHourlyProjection(prices, options.Schema),
            ProjectionLifecycle.Async,
            async => async.BatchSize = options.ProjectionBatchSize);
        opts.Projections.Add(
            new GpuHourlyProjection(options.Schema),
            ProjectionLifecycle.Async,
            async => async.BatchSize = options.ProjectionBatchSize);
        opts.Projections.Add(new IncidentsProjection(options.Schema, options.Incidents, TimeProvider.System), ProjectionLifecycle.Async);
        opts.Projections.Add(
            new CostLineHourlyProjection(CostClassifier.Default(), options.Schema),
            ProjectionLifecycle.Async,
            async => async.BatchSize = options.ProjectionBatchSize);
    }

    /// <summary>
    /// Registers the document store. Only the one process that runs projections passes
    /// <paramref name="runProjections"/>: the daemon runs in Solo mode (see ARCHITECTURE.md).
    /// </summary>
    public static IServiceCollection AddLedger(this IServiceCollection services, string connectionString, LedgerOptions options, bool runProjections)
    {
        var prices = LoadPrices(options);
        services.AddSingleton(options);
        services.AddSingleton(prices);
        var marten = services.AddMarten(opts => Configure(opts, connectionString, options, prices))
            .ApplyAllDatabaseChangesOnStartup()
            .UseLightweightSessions();
        services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString));
        services.AddHostedService<EventCompressionService>();
        services.AddSingleton<AllocationStore>();
        if (runProjections)
        {
            marten.AddAsyncDaemon(DaemonMode.Solo);
            services.AddHostedService<CostAllocatorService>();
        }

        return services;
    }

    public static DocumentStore CreateStore(string connectionString, LedgerOptions options) =>
        DocumentStore.For(opts => Configure(opts, connectionString, options, LoadPrices(options)));
}
