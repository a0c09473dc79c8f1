using MassTransit;
using Microsoft.Extensions.Logging;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Messaging;

/// <summary>
/// Keeps this light on purpose (hours are re-allocated often): a re-allocated hour only marks the reports
/// already generated for its week as stale, so readers know a fresh request would differ.
/// </summary>
public sealed partial class HourAllocatedConsumer(WeeklyReportStore store, ILogger<HourAllocatedConsumer> log) : IConsumer<HourAllocated>
{
    public async Task Consume(ConsumeContext<HourAllocated> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var week = IsoWeek.Of(context.Message.Hour);
        var stale = await store.MarkStaleAsync(week, context.Message.AllocatedAt, context.CancellationToken);
        if (stale > 0)
        {
            LogStale(log, stale, week.ToString(), context.Message.Hour);
        }
    }

    [LoggerMessage(LogLevel.Information, "{Reports} weekly report(s) of {IsoWeek} are stale: hour {Hour:u} was re-allocated after they were generated")]
    private static partial void LogStale(ILogger logger, int reports, string isoWeek, DateTimeOffset hour);
}
