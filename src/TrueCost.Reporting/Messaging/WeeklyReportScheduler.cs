using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Messaging;

/// <summary>
/// At the configured weekday and hour (UTC; Monday 00:00 by default) asks for the report of the ISO week that
/// just ended. The request id is derived from the week, so replicas or restarts that ask twice generate once.
/// </summary>
public sealed partial class WeeklyReportScheduler(IBus bus, ReportingBusOptions options, TimeProvider time, ILogger<WeeklyReportScheduler> log) : BackgroundService
{
    public const string RequestedBy = "scheduler";

    private static readonly TimeSpan PublishRetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>The request id every scheduled request for <paramref name="week"/> carries.</summary>
    public static Guid ScheduledRequestId(IsoWeek week) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes($"truecost weekly report schedule {week}")).AsSpan(0, 16));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var from = time.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var due = options.Schedule.NextAtOrAfter(from);
                LogNext(log, due);
                await Task.Delay(Max(due - time.GetUtcNow(), TimeSpan.Zero), time, stoppingToken);
                await PublishAsync(IsoWeek.Of(due).Previous(), stoppingToken);
                from = due.AddTicks(1);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(log);
        }
    }

    /// <summary>A broker outage must not lose the week: keep trying until the request is out or the host stops.</summary>
    private async Task PublishAsync(IsoWeek week, CancellationToken ct)
    {
        var request = new WeeklyReportRequested(week.ToString(), ScheduledRequestId(week), RequestedBy);
        while (true)
        {
            try
            {
                await bus.Publish(request, ct);
                LogRequested(log, request.IsoWeek, request.RequestId);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPublishFailed(log, e, request.IsoWeek, PublishRetryDelay);
                await Task.Delay(PublishRetryDelay, time, ct);
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    [LoggerMessage(LogLevel.Information, "Next weekly report request at {Due:u}")]
    private static partial void LogNext(ILogger logger, DateTimeOffset due);

    [LoggerMessage(LogLevel.Information, "Requested weekly report {IsoWeek} ({RequestId})")]
    private static partial void LogRequested(ILogger logger, string isoWeek, Guid requestId);

    [LoggerMessage(LogLevel.Error, "Could not publish the weekly report request for {IsoWeek}; trying again in {Delay}")]
    private static partial void LogPublishFailed(ILogger logger, Exception e, string isoWeek, TimeSpan delay);

    [LoggerMessage(LogLevel.Information, "Weekly report scheduler stopped")]
    private static partial void LogStopped(ILogger logger);
}
