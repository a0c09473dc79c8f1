using MassTransit;
using Microsoft.Extensions.Logging;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Restatements;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Messaging;

/// <summary>
/// Builds, writes and records the requested week's report, then publishes <see cref="WeeklyReportPublished"/>.
/// A request already recorded (a redelivery, or the scheduler of another replica) is acknowledged without work.
/// A restating request makes a report that replaces the week's latest published one and says what changed since.
/// </summary>
public sealed partial class WeeklyReportRequestedConsumer(
    WeeklyReportBuilder builder,
    WeeklyReportStore store,
    ReportingBusOptions options,
    ILogger<WeeklyReportRequestedConsumer> log) : IConsumer<WeeklyReportRequested>
{
    public async Task Consume(ConsumeContext<WeeklyReportRequested> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Message;
        var week = IsoWeek.Parse(request.IsoWeek);
        if (request.RequestId == Guid.Empty)
        {
            throw new FormatException($"weekly report request for {week} has no RequestId; it is the key that makes redelivery safe");
        }

        var ct = context.CancellationToken;
        await using var claim = await store.ClaimAsync(week, request.RequestId, request.RequestedBy ?? "unknown", ct);
        if (claim is null)
        {
            ReportingMetrics.Run("duplicate");
            LogDuplicate(log, week.ToString(), request.RequestId);
            return;
        }

        var report = await builder.BuildAsync(week, ct);
        if (request.Restate)
        {
            var restatement = await RestatementAsync(report, ct);
            if (restatement is null)
            {
                ReportingMetrics.Run("unchanged");
                LogNothingToRestate(log, week.ToString(), request.RequestId);
                return;
            }

            report = report with { Restatement = restatement };
        }

        var directory = Path.Combine(options.OutputDirectory, week.ToString(), claim.ReportId.ToString("N"));
        var files = await WeeklyReportWriter.WriteAsync(report, directory, ct);
        var published = new WeeklyReportPublished(week.ToString(), claim.ReportId, report.Totals.Total, report.Currency, files, report.GeneratedAt, report.Restatement?.Restates);
        await claim.CompleteAsync(published, ct);

        // Publish, then commit: a crash in between regenerates and publishes again on redelivery (at least once),
        // whereas commit-then-publish could record a report nobody ever hears about.
        await context.Publish(published, ct);
        await claim.CommitAsync(ct);
        ReportingMetrics.Run("generated");
        LogGenerated(log, week.ToString(), claim.ReportId, published.Total, published.Currency, directory);
    }

    /// <summary>What changed since the week's latest published report; none when nothing did (or nothing was published).</summary>
    private async Task<ReportRestatement?> RestatementAsync(WeeklyReport report, CancellationToken ct)
    {
        if (await store.LatestPublishedAsync(report.Week, ct) is not { } previous)
        {
            return null;
        }

        var changes = await store.HourChangesSinceAsync(report.Week, previous.GeneratedAt, ct);
        var restatement = ReportRestatement.Of(previous.ReportId, previous.GeneratedAt, previous.Total, report.Totals.Total, changes);
        return restatement.Hours.Count == 0 && restatement.Delta == 0 ? null : restatement;
    }

    [LoggerMessage(LogLevel.Information, "Weekly report {IsoWeek} for request {RequestId} was already generated; the redelivered request is acknowledged without work")]
    private static partial void LogDuplicate(ILogger logger, string isoWeek, Guid requestId);

    [LoggerMessage(LogLevel.Information, "Weekly report {IsoWeek} is not restated for request {RequestId}: nothing changed since its latest published report")]
    private static partial void LogNothingToRestate(ILogger logger, string isoWeek, Guid requestId);

    [LoggerMessage(LogLevel.Information, "Weekly report {IsoWeek} generated as {ReportId}: total {Total} {Currency}, files in {Directory}")]
    private static partial void LogGenerated(ILogger logger, string isoWeek, Guid reportId, decimal total, string currency, string directory);
}

/// <summary>A malformed request (no such week, no id) can never succeed: it skips the retries and goes straight to the _error queue.</summary>
public sealed class WeeklyReportRequestedConsumerDefinition(ReportingBusOptions options) : ReportingConsumerDefinition<WeeklyReportRequestedConsumer>(options)
{
    protected override void ConfigureRetry(IRetryConfigurator retry)
    {
        base.ConfigureRetry(retry);
        retry.Ignore<FormatException>();
    }
}
