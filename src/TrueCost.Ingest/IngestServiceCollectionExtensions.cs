using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ingest.GpuSamples;
using TrueCost.Ingest.Incidents;
using TrueCost.Ingest.InvoiceLines;
using TrueCost.Ingest.LiteLlm;
using TrueCost.Ingest.Otlp;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ingest.RequestLogs;

namespace TrueCost.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Registers one ingest worker per input topic. Requires the ledger (<c>AddLedger</c>) first.</summary>
    public static IServiceCollection AddIngestWorkers(this IServiceCollection services, IngestOptions options)
    {
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<OffsetStore>();
        services.AddSingleton<DeadLetterPublisher>();
        services.AddSingleton<IngestCounters>();
        services.AddHostedService<DedupeWindowService>();
        services.AddSource<RequestLogRecord, RequestLogSource>();
        services.AddSource<GpuSampleRecord, GpuSampleSource>();
        services.AddSource<InvoiceLineRecord, InvoiceLineSource>();
        services.AddSource<IncidentRecord, IncidentSource>();
        if (options.Otlp.Enabled)
        {
            services.AddSecondSource<RequestLogRecord, OtlpSpanSource>();
            services.AddSecondSource<GpuSampleRecord, OtlpMetricSource>();
        }

        if (options.LiteLlm.Enabled)
        {
            services.AddSecondSource<RequestLogRecord, LiteLlmSpendSource>();
        }

        services.AddSingleton<ICrossRecordRule<InvoiceLineRecord>, AccountCurrencyRule>();
        services.AddSingleton<ICrossRecordRule<IncidentRecord>, IncidentOrderRule>();
        return services;
    }

    private static void AddSource<TRecord, TSource>(this IServiceCollection services)
        where TRecord : class
        where TSource : class, IIngestSource<TRecord>
    {
        services.AddSingleton<IIngestSource<TRecord>, TSource>();
        services.AddSingleton<IngestBatchWriter<TRecord>>();
        services.AddHostedService<KafkaIngestWorker<TRecord>>();
    }

    /// <summary>
    /// A further topic of a record kind that already has one (OTLP spans beside the native request logs):
    /// its own source, writer and worker, built around the source rather than resolved by record type.
    /// </summary>
    private static void AddSecondSource<TRecord, TSource>(this IServiceCollection services)
        where TRecord : class
        where TSource : class, IIngestSource<TRecord>
    {
        services.AddSingleton<TSource>();
        services.AddSingleton<IHostedService>(sp =>
        {
            var source = sp.GetRequiredService<TSource>();
            var writer = ActivatorUtilities.CreateInstance<IngestBatchWriter<TRecord>>(sp, (IIngestSource<TRecord>)source);
            return ActivatorUtilities.CreateInstance<KafkaIngestWorker<TRecord>>(sp, (IIngestSource<TRecord>)source, writer);
        });
    }
}
