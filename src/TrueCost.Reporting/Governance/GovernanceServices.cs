using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TrueCost.Reporting.Governance.Alerts;
using TrueCost.Reporting.Governance.Budgets;
using TrueCost.Reporting.Messaging;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Governance;

/// <summary>Wires budgets, anomaly alerts and their delivery into the reporting worker (or any host with its bus).</summary>
public static class GovernanceServices
{
    /// <summary>
    /// The read side (ledger, budget tracker, alert store) for hosts that only show status, like the API. Needs an
    /// <c>NpgsqlDataSource</c> and <c>LedgerOptions</c> registered.
    /// </summary>
    public static IServiceCollection AddGovernanceQueries(this IServiceCollection services, GovernanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton(options.Forecast);
        services.TryAddSingleton<GovernanceLedger>();
        services.TryAddSingleton<BudgetTracker>();
        services.TryAddSingleton<AlertStore>();
        services.TryAddSingleton<GovernanceViews>();
        return services;
    }

    /// <summary>The evaluator (when <see cref="AlertOptions.Enabled"/>) and the alert channels; call <see cref="AddGovernanceConsumers"/> in the bus configuration.</summary>
    public static IServiceCollection AddGovernanceAlerts(this IServiceCollection services, GovernanceOptions options)
    {
        services.AddGovernanceQueries(options);
        foreach (var webhook in options.Alerts.Webhooks)
        {
            services.AddSingleton<IAlertChannel>(_ => new WebhookAlertChannel(webhook));
        }

        if (options.Alerts.Email is { } email)
        {
            services.AddSingleton<IAlertChannel>(_ => new SmtpAlertChannel(email));
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGovernanceSource, LedgerGovernanceSource>();
        if (options.Alerts.Enabled)
        {
            services.AddSingleton<GovernanceEvaluator>();
            services.AddHostedService(sp => sp.GetRequiredService<GovernanceEvaluator>());
        }

        return services;
    }

    public static void AddGovernanceConsumers(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<GovernanceAlertConsumer, ReportingConsumerDefinition<GovernanceAlertConsumer>>();
}
