using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Restatements;

/// <summary>
/// Re-issues the weeks whose pending restatement is due (<see cref="RestatementDebounce"/>): asks for the week's
/// report as a restatement, then removes the pending row in the same transaction. The rows are locked with skip
/// locked, so replicas share the work; the request id is derived from the pending row, so asking twice after a crash
/// generates once.
/// </summary>
public sealed partial class RestatementIssuer(
    NpgsqlDataSource dataSource,
    WeeklyReportStore store,
    IBus bus,
    ReportingBusOptions options,
    TimeProvider time,
    ILogger<RestatementIssuer> log) : BackgroundService
{
    public const string RequestedBy = "restatement";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Restatement;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await IssueDueAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(log, e, settings.PollInterval);
                }

                await Task.Delay(settings.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(log);
        }
    }

    /// <summary>Asks for every due restatement; returns how many were asked for.</summary>
    public async Task<int> IssueDueAsync(CancellationToken ct)
    {
        await store.EnsureCreatedAsync(ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var pending = new List<PendingRestatement>();
        await using (var read = new NpgsqlCommand($"select iso_week, first_seen_at, last_seen_at from {store.PendingRestatementsTable} for update skip locked", conn, tx))
        await using (var r = await read.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                pending.Add(new PendingRestatement(IsoWeek.Parse(r.GetString(0)), r.GetFieldValue<DateTimeOffset>(1), r.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        var now = time.GetUtcNow();
        var due = pending.Where(p => RestatementDebounce.IsDue(p, now, options.Restatement.QuietPeriod, options.Restatement.MaxDelay)).ToList();
        foreach (var restatement in due)
        {
            var request = new WeeklyReportRequested(restatement.Week.ToString(), RestatementDebounce.RequestId(restatement), RequestedBy, Restate: true);
            await bus.Publish(request, ct);
            await using var done = new NpgsqlCommand($"delete from {store.PendingRestatementsTable} where iso_week = $1", conn, tx);
            done.Parameters.Add(new NpgsqlParameter { Value = request.IsoWeek });
            await done.ExecuteNonQueryAsync(ct);
            LogIssued(log, request.IsoWeek, request.RequestId, restatement.FirstSeenAt, restatement.LastSeenAt);
        }

        await tx.CommitAsync(ct);
        return due.Count;
    }

    [LoggerMessage(LogLevel.Information, "Asked to restate weekly report {IsoWeek} ({RequestId}): its hours changed from {FirstSeenAt:u} to {LastSeenAt:u}")]
    private static partial void LogIssued(ILogger logger, string isoWeek, Guid requestId, DateTimeOffset firstSeenAt, DateTimeOffset lastSeenAt);

    [LoggerMessage(LogLevel.Warning, "Could not issue the due weekly report restatements; trying again in {Delay}")]
    private static partial void LogFailed(ILogger logger, Exception e, TimeSpan delay);

    [LoggerMessage(LogLevel.Information, "Restatement issuer stopped")]
    private static partial void LogStopped(ILogger logger);
}
