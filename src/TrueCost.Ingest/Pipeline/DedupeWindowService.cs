using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Keeps <c>ingested_records</c> to its window (<see cref="IngestOptions.DedupeWindowDays"/>): at start and every hour
/// it creates this week's and next week's partitions and drops every week that ended a whole window ago. Every ingest
/// worker runs it; both steps are idempotent.
/// </summary>
public sealed class DedupeWindowService(NpgsqlDataSource dataSource, IngestOptions options, LedgerOptions ledger, TimeProvider clock, ILogger<DedupeWindowService> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>One pass; returns the partitions it dropped.</summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(CancellationToken ct)
    {
        var table = LedgerTables.IngestedRecordsByWeek;
        var now = clock.GetUtcNow();
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        {
            await TablePartitions.EnsureAheadAsync(conn, ledger.Schema, table, now, ct);
        }

        var dropped = await TablePartitions.DropEndedBeforeAsync(dataSource, ledger.Schema, table, now - options.DedupeWindow, ct);
        foreach (var name in dropped)
        {
            logger.LogInformation("Dropped {Partition}: its ids are older than the {Days}-day dedupe window", name, options.DedupeWindowDays);
        }

        return dropped;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ApplyAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogError(e, "Rolling the dedupe window of {Table} failed; next try in {Interval}", LedgerTables.IngestedRecords, Interval);
            }

            await Task.Delay(Interval, clock, stoppingToken);
        }
    }
}
