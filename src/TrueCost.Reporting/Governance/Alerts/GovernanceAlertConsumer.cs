using MassTransit;
using Microsoft.Extensions.Logging;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;

namespace TrueCost.Reporting.Governance.Alerts;

/// <summary>
/// Delivers an alert to every configured channel that has not had it yet, recording each attempt in
/// governance_deliveries. Any failure throws, so MassTransit retries only what is still missing; once the retries
/// are spent the message moves to the _error queue, with the failure kept in the delivery record.
/// </summary>
public sealed partial class GovernanceAlertConsumer(
    IEnumerable<IAlertChannel> channels,
    AlertStore store,
    ReportingBusOptions options,
    ILogger<GovernanceAlertConsumer> log) : IConsumer<GovernanceAlertRaised>
{
    public async Task Consume(ConsumeContext<GovernanceAlertRaised> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var alert = context.Message;
        var ct = context.CancellationToken;
        var delivered = await store.DeliveredChannelsAsync(alert.NotificationId, ct);
        var failures = new List<Exception>();
        foreach (var channel in channels.Where(c => !delivered.Contains(c.Name)))
        {
            try
            {
                await channel.SendAsync(alert, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await store.RecordDeliveryAsync(alert.NotificationId, channel.Name, channel.Target, e.Message, ct);
                ReportingMetrics.Delivery(channel.Name, delivered: false);
                LogFailed(log, e, alert.NotificationId, alert.Title, channel.Name, channel.Target, context.GetRetryAttempt() + 1, options.Retry.Limit + 1);
                failures.Add(e);
                continue;
            }

            await store.RecordDeliveryAsync(alert.NotificationId, channel.Name, channel.Target, error: null, ct);
            ReportingMetrics.Delivery(channel.Name, delivered: true);
            LogDelivered(log, alert.NotificationId, alert.Title, channel.Name);
        }

        if (failures.Count > 0)
        {
            throw new AggregateException($"alert {alert.NotificationId} ({alert.AlertKey}): {failures.Count} channel(s) failed", failures);
        }
    }

    [LoggerMessage(LogLevel.Information, "Alert {NotificationId} \"{Title}\" delivered by {Channel}")]
    private static partial void LogDelivered(ILogger logger, long notificationId, string title, string channel);

    [LoggerMessage(LogLevel.Warning, "Alert {NotificationId} \"{Title}\" delivery by {Channel} to {Target} failed, attempt {Attempt} of {Attempts}")]
    private static partial void LogFailed(ILogger logger, Exception e, long notificationId, string title, string channel, string target, int attempt, int attempts);
}
