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
    /// <summary>
    /// The configured prices (<c>Ledger:Prices</c>) over the catalogue file (<c>Ledger:PriceCataloguePath</c>,
    /// else the shipped one): for a provider/model the configuration names, only its entries count.
    /// </summary>
    public static PriceCatalogue LoadPrices(LedgerOptions options)
    {
        var catalogue = string.IsNullOrWhiteSpace(options.PriceCataloguePath)
            ? PriceCatalogue.Default()
            : PriceCatalogue.LoadFile(options.PriceCataloguePath);
        if (options.Prices.Count == 0)
        {
            return catalogue;
        }

        var providers = Identity.ProviderAliases.Default(options.Providers);
        var configured = options.Prices.Select(p => p with { Provider = providers.Canonical(p.Provider), Source = p.Source ?? "configuration" }).ToList();
        var overridden = configured.Select(p => (p.Provider, p.Model)).ToHashSet();
        return new PriceCatalogue(
            $"{catalogue.Version}+config",
            configured.Concat(catalogue.Prices.Where(p => !overridden.Contains((p.Provider, p.Model)))));
    }

    public static void Configure(StoreOptions opts, string connectionString, LedgerOptions options)
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
            new UsageHourlyProjection(options.Schema),
            ProjectionLifecycle.Async,
            async => async.BatchSize = options.ProjectionBatchSize);
        opts.Projections.Add(
            new GpuHourlyProjection(options.Schema),
            ProjectionLifecycle.Async,
            async => async.BatchSize = options.ProjectionBatchSize);
        opts.Projections.Add(new IncidentsProjection(options.Schema, options.Incidents, options.Currency), ProjectionLifecycle.Async);
        opts.Projections.Add(
            new CostLineHourlyProjection(CostClassifier.Default(options.CostRules, options.Pools), options.Schema),
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
        services.AddSingleton(LedgerRules.From(options, prices));
        var marten = services.AddMarten(opts => Configure(opts, connectionString, options))
            .ApplyAllDatabaseChangesOnStartup()
            .UseLightweightSessions();
        services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString));
        services.AddHostedService<EventCompressionService>();
        if (runProjections)
        {
            marten.AddAsyncDaemon(DaemonMode.Solo);
            services.AddHostedService<CostAllocatorService>();
        }

        return services;
    }

    public static DocumentStore CreateStore(string connectionString, LedgerOptions options) =>
        DocumentStore.For(opts => Configure(opts, connectionString, options));
}
