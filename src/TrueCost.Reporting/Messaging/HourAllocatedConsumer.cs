using MassTransit;
using Microsoft.Extensions.Logging;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Messaging;

/// <summary>
/// Kept light on purpose (a late invoice re-allocates hundreds of hours at once): a changed hour marks the reports
/// already generated for its week stale and opens, or keeps waiting, the week's one pending restatement, which
/// <see cref="Restatements.RestatementIssuer"/> re-issues once the week has been quiet. Redelivery repeats harmlessly.
/// </summary>
public sealed partial class HourAllocatedConsumer(WeeklyReportStore store, TimeProvider time, ILogger<HourAllocatedConsumer> log) : IConsumer<HourAllocated>
{
    public async Task Consume(ConsumeContext<HourAllocated> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var change = context.Message;
        var week = IsoWeek.Of(change.Hour);
        var stale = await store.RecordHourChangeAsync(week, change.AllocatedAt, time.GetUtcNow(), context.CancellationToken);
        if (stale > 0)
        {
            LogPending(log, stale, week.ToString(), change.Hour, change.ChangeId, change.Reason);
        }
    }

    [LoggerMessage(LogLevel.Debug, "{Reports} weekly report(s) of {IsoWeek} await restatement: hour {Hour:u} changed after they were generated (change {ChangeId}, {Reason})")]
    private static partial void LogPending(ILogger logger, int reports, string isoWeek, DateTimeOffset hour, long changeId, string reason);
}
