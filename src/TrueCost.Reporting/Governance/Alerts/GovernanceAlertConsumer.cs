using MassTransit;
using Microsoft.Extensions.Logging;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;
using TrueCost.Reporting.Messaging.Delivery;

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
        var round = await store.Deliveries.DeliverAsync(
            alert.NotificationId, channels.Select(c => new ChannelSend(c.Name, c.Target, token => c.SendAsync(alert, token))), ct);
        foreach (var channel in round.Delivered)
        {
            LogDelivered(log, alert.NotificationId, alert.Title, channel);
        }

        foreach (var failure in round.Failed)
        {
            LogFailed(log, failure.Error, alert.NotificationId, alert.Title, failure.Channel, failure.Target, context.GetRetryAttempt() + 1, options.Retry.Limit + 1);
        }

        if (round.Failed.Count > 0)
        {
            throw new AggregateException($"alert {alert.NotificationId} ({alert.AlertKey}): {round.Failed.Count} channel(s) failed", round.Failed.Select(f => f.Error));
        }
    }

    [LoggerMessage(LogLevel.Information, "Alert {NotificationId} \"{Title}\" delivered by {Channel}")]
    private static partial void LogDelivered(ILogger logger, long notificationId, string title, string channel);

    [LoggerMessage(LogLevel.Warning, "Alert {NotificationId} \"{Title}\" delivery by {Channel} to {Target} failed, attempt {Attempt} of {Attempts}")]
    private static partial void LogFailed(ILogger logger, Exception e, long notificationId, string title, string channel, string target, int attempt, int attempts);
}
