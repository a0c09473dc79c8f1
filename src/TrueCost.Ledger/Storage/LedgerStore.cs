using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
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
    /// The rows of <c>mt_event_progression</c> (by <c>name</c>) that hold the progress of the ledger's async projections,
    /// one per projection registered in <see cref="Configure"/>. Whoever reads projection progress reads these rows
    /// only: the table also holds the daemon's own bookkeeping, which is not a projection and need not ever reach the
    /// newest event. <c>HighWaterStuckGap</c>, for one, keeps the mark at which the daemon last found a sequence gap
    /// stuck (the sequence numbers of an append that rolled back, as a PostgreSQL restart does to the appends in
    /// flight), and stays there while the projections go on past the gap.
    /// </summary>
    public static IReadOnlyList<string> ProjectionShards { get; } =
        [.. new[] { LedgerTables.UsageHourly, LedgerTables.GpuHourly, LedgerTables.Incidents, LedgerTables.CostLineHourly }.Select(name => new ShardName(name).Identity)];

    /// <summary>
    /// The prices in force, in layers: the configured prices (<c>Ledger:Prices</c>), then the imported catalogue
    /// versions, newest import first, then the catalogue file (<c>Ledger:PriceCataloguePath</c>) or the shipped
    /// one. For a provider/model, the first layer that names it gives all its prices.
    /// </summary>
    public static PriceCatalogue LoadPrices(LedgerOptions options, IReadOnlyList<PriceCatalogue>? imported = null)
    {
        var catalogue = string.IsNullOrWhiteSpace(options.PriceCataloguePath)
            ? PriceCatalogue.Default()
            : PriceCatalogue.LoadFile(options.PriceCataloguePath);
        var providers = Identity.ProviderAliases.Default(options.Providers);
        var configured = options.Prices.Select(p => p with { Provider = providers.Canonical(p.Provider), Source = p.Source ?? "configuration" }).ToList();
        return PriceCatalogue.Layered(configured, imported ?? [], catalogue);
    }

    /// <summary><see cref="LoadPrices"/> with the catalogue versions imported into the ledger (none while the table does not exist yet).</summary>
    public static async Task<PriceCatalogue> LoadPricesAsync(NpgsqlDataSource dataSource, LedgerOptions options, CancellationToken ct)
    {
        IReadOnlyList<ImportedCatalogue> versions;
        try
        {
            versions = await PriceCatalogueStore.LoadVersionsAsync(dataSource, options.Schema, ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            versions = [];
        }

        return LoadPrices(options, [.. versions.Select(v => new PriceCatalogue(v.Version, v.Prices))]);
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
    /// Registers the document store. Projector processes pass <paramref name="runProjections"/>: any number of them
    /// may run, and the one that holds the schema's leadership lock projects and allocates (<see cref="ProjectorLeadership"/>).
    /// </summary>
    public static IServiceCollection AddLedger(this IServiceCollection services, string connectionString, LedgerOptions options, bool runProjections)
    {
        services.AddSingleton(options);
        services.AddSingleton<LedgerRulesSource>();
        services.AddMarten(opts =>
            {
                Configure(opts, connectionString, options);
                if (runProjections)
                {
                    // ProjectorLeadership starts the daemon in whichever replica holds the lock.
                    opts.Projections.AsyncMode = DaemonMode.ExternallyManaged;
                }
            })
            .ApplyAllDatabaseChangesOnStartup()
            .UseLightweightSessions();
        services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString));
        services.AddHostedService<EventCompressionService>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<MonthlyPartitionsService>();
        if (runProjections)
        {
            services.AddSingleton<CostAllocatorService>();
            services.AddSingleton(new ProjectorLockConnection(connectionString));
            services.AddSingleton<ProjectorLeadership>();
            services.AddHostedService(sp => sp.GetRequiredService<ProjectorLeadership>());
        }

        return services;
    }

    public static DocumentStore CreateStore(string connectionString, LedgerOptions options) =>
        DocumentStore.For(opts => Configure(opts, connectionString, options));

    /// <summary>A store for processes that only read events (the API): it never changes the schema and never runs projections.</summary>
    public static DocumentStore CreateReadStore(string connectionString, LedgerOptions options) =>
        DocumentStore.For(opts =>
        {
            Configure(opts, connectionString, options);
            opts.AutoCreateSchemaObjects = AutoCreate.None;
            opts.Projections.AsyncMode = DaemonMode.ExternallyManaged;
        });
}
