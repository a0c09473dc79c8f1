using MassTransit;
using Microsoft.Extensions.Logging;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging.Delivery;

namespace TrueCost.Reporting.Messaging;

/// <summary>
/// Delivers a published report to every configured channel not yet delivered, recording each attempt. Any
/// failure throws, so MassTransit retries only what is still missing; once the retries are spent the message
/// moves to the _error queue, with the failure logged and kept in weekly_report_deliveries.
/// </summary>
public sealed partial class WeeklyReportPublishedConsumer(
    IEnumerable<IReportChannel> channels,
    WeeklyReportStore store,
    ReportingBusOptions options,
    ILogger<WeeklyReportPublishedConsumer> log) : IConsumer<WeeklyReportPublished>
{
    public async Task Consume(ConsumeContext<WeeklyReportPublished> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = context.Message;
        var ct = context.CancellationToken;
        var configured = channels.ToList();
        if (configured.Count == 0)
        {
            LogNoChannel(log, report.IsoWeek, report.ReportId);
            return;
        }

        var attempt = context.GetRetryAttempt() + 1;
        var round = await store.Deliveries.DeliverAsync(
            report.ReportId, configured.Select(c => new ChannelSend(c.Name, c.Target, token => c.SendAsync(report, token))), ct);
        foreach (var channel in round.Delivered)
        {
            LogDelivered(log, report.IsoWeek, report.ReportId, channel, configured.First(c => c.Name == channel).Target);
        }

        foreach (var failure in round.Failed)
        {
            LogFailed(log, failure.Error, report.IsoWeek, report.ReportId, failure.Channel, failure.Target, attempt, options.Retry.Limit + 1);
        }

        if (round.Failed.Count > 0)
        {
            if (attempt > options.Retry.Limit)
            {
                LogGivingUp(log, report.IsoWeek, report.ReportId, attempt);
            }

            throw new AggregateException($"weekly report {report.IsoWeek} ({report.ReportId}): {round.Failed.Count} delivery channel(s) failed", round.Failed.Select(f => f.Error));
        }
    }

    [LoggerMessage(LogLevel.Information, "Weekly report {IsoWeek} ({ReportId}) published; no delivery channel is configured")]
    private static partial void LogNoChannel(ILogger logger, string isoWeek, Guid reportId);

    [LoggerMessage(LogLevel.Information, "Weekly report {IsoWeek} ({ReportId}) delivered by {Channel} to {Target}")]
    private static partial void LogDelivered(ILogger logger, string isoWeek, Guid reportId, string channel, string target);

    [LoggerMessage(LogLevel.Warning, "Weekly report {IsoWeek} ({ReportId}) delivery by {Channel} to {Target} failed, attempt {Attempt} of {Attempts}")]
    private static partial void LogFailed(ILogger logger, Exception e, string isoWeek, Guid reportId, string channel, string target, int attempt, int attempts);

    [LoggerMessage(LogLevel.Error, "Weekly report {IsoWeek} ({ReportId}) could not be delivered after {Attempts} attempts; the message moves to the _error queue")]
    private static partial void LogGivingUp(ILogger logger, string isoWeek, Guid reportId, int attempts);
}
