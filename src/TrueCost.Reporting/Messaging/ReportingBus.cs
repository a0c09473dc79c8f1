using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TrueCost.Reporting.Messaging.Delivery;
using TrueCost.Reporting.Restatements;
using TrueCost.Reporting.Rightsizing;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Messaging;

/// <summary>
/// Wires the reporting worker: MassTransit with its consumers, the report store, delivery channels, the scheduler,
/// and the relay of allocation changes with the restatements they cause.
/// </summary>
public static class ReportingBus
{
    /// <summary>
    /// Registers the bus on RabbitMQ or in memory (<see cref="ReportingBusOptions.Transport"/>). Needs an
    /// <c>NpgsqlDataSource</c> and <c>LedgerOptions</c> registered (as <c>AddLedger</c> does); an
    /// <see cref="IFindingsSource"/> registered before this call replaces the default, which lists no findings.
    /// <paramref name="configure"/> adds further consumers, e.g. one that watches for published reports.
    /// </summary>
    public static IServiceCollection AddReportingBus(this IServiceCollection services, ReportingBusOptions options, Action<IBusRegistrationConfigurator>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new FindingsOptions());
        services.TryAddSingleton<IFindingsSource, LedgerFindingsSource>();
        services.TryAddSingleton<WeeklyReportBuilder>();
        services.TryAddSingleton<WeeklyReportStore>();
        if (options.Delivery.Smtp is { } smtp)
        {
            services.AddSingleton<IReportChannel>(_ => new SmtpReportChannel(smtp));
        }

        if (options.Delivery.Webhook is { } webhook)
        {
            services.AddSingleton<IReportChannel>(_ => new WebhookReportChannel(webhook));
        }

        if (options.Schedule.Enabled)
        {
            services.AddHostedService<WeeklyReportScheduler>();
        }

        if (options.Restatement.Enabled)
        {
            services.AddHostedService<HourChangeRelay>();
            services.AddHostedService<RestatementIssuer>();
        }

        // Starting the host fails when the broker cannot be reached, instead of a worker that silently consumes nothing.
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        services.AddMassTransit(x =>
        {
            // MassTransit otherwise reports usage to its vendor over the internet from every worker.
            x.DisableUsageTelemetry();
            x.SetKebabCaseEndpointNameFormatter();
            x.AddConsumer<WeeklyReportRequestedConsumer, WeeklyReportRequestedConsumerDefinition>();
            x.AddConsumer<WeeklyReportPublishedConsumer, ReportingConsumerDefinition<WeeklyReportPublishedConsumer>>();
            x.AddConsumer<HourAllocatedConsumer, ReportingConsumerDefinition<HourAllocatedConsumer>>();
            configure?.Invoke(x);
            if (options.Transport == ReportingTransport.RabbitMq)
            {
                var rabbit = options.RabbitMq;
                x.UsingRabbitMq((context, bus) =>
                {
                    bus.Host(rabbit.Host, rabbit.Port, rabbit.VirtualHost, h =>
                    {
                        h.Username(rabbit.Username);
                        h.Password(rabbit.Password);
                    });
                    bus.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, bus) => bus.ConfigureEndpoints(context));
            }
        });
        return services;
    }
}
