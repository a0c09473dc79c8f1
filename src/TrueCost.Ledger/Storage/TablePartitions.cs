using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Weasel.Core;
using Weasel.Core.Partitioning;
using Weasel.Postgresql.Functions;
using Weasel.Postgresql.Tables;
using Weasel.Postgresql.Tables.Partitioning;

namespace TrueCost.Ledger.Storage;

/// <summary>A table range-partitioned on a time column, one partition per <see cref="Period"/> (Week or Month, UTC).</summary>
public sealed record PartitionedTable(string Name, string Column, PartitionPeriod Period)
{
    /// <summary>Weasel's naming and arithmetic for the periods: partitions are <c>{table}_m202607</c> or <c>{table}_w20260727</c> (weeks start on Monday).</summary>
    public RollingWindowPolicy Policy { get; } = Period == PartitionPeriod.Week ? RollingWindowPolicy.Weekly(1, 0) : RollingWindowPolicy.Monthly(1, 0);

    /// <summary>The start of the period that holds <paramref name="moment"/>.</summary>
    public DateTimeOffset PeriodOf(DateTimeOffset moment) => Policy.StartOfPeriod(moment);

    public string PartitionName(DateTimeOffset moment) => $"{Name}_{Policy.SuffixFor(moment)}";

    internal string SqlPeriod => Period == PartitionPeriod.Week ? "week" : "month";
}

/// <summary>
/// The partitions of the time-partitioned ledger tables. Weasel declares each parent (<c>partition by range</c>) with a
/// default partition and creates the current and the next period's partitions when it applies the schema (an
/// unpartitioned table of an earlier version is converted, its rows landing in the default partition). Writers never
/// run DDL: a row of a period without a partition yet (a backfill, a late invoice for last year) waits in the default
/// partition, and the partition services (<see cref="MonthlyPartitionsService"/>, and the ingest's dedupe window), at
/// start and hourly, create this and next period's partitions and move waiting rows into theirs.
/// </summary>
public static class TablePartitions
{
    public const string EnsureFunction = "ensure_partitions";

    /// <summary>Declares <paramref name="table"/> partitioned as <paramref name="partitioned"/> says.</summary>
    public static void PartitionBy(Table table, PartitionedTable partitioned)
    {
        // The manager only tells Weasel which partitions to create with the schema (current and next period, additive,
        // never a rebuild). Its ApplyAsync, which would also drop periods, is never called: retention is ours to decide.
        table.PartitionByRange(partitioned.Column).UsePartitionManager(new ManagedRangePartitions(partitioned.Policy));
    }

    /// <summary>
    /// The function the partition services call (at start and hourly): it creates the partitions of the periods of
    /// <c>moments</c> and of the rows waiting in the default partition, and moves those rows into them. When every
    /// partition exists and the default partition is empty it only looks names up and takes no lock. Otherwise it
    /// works under a transaction advisory lock per table, so concurrent callers take turns.
    /// </summary>
    public static Function Function(string schema) => Weasel.Postgresql.Functions.Function.ForSql($$"""
        create or replace function {{schema}}.{{EnsureFunction}}(parent text, key text, period text, moments timestamptz[]) returns void
        language plpgsql as $fn$
        declare
          parent_schema text := split_part(parent, '.', 1);
          parent_table text := split_part(parent, '.', 2);
          name_format text := case period when 'month' then 'YYYYMM' else 'YYYYMMDD' end;
          fallback regclass := to_regclass(parent || '_default');
          waiting timestamptz[];
          detached boolean := false;
          period_start timestamptz;
          partition_name text;
        begin
          if fallback is not null then
            execute format('select array_agg(distinct %I) from %s', key, fallback) into waiting;
          end if;
          moments := moments || coalesce(waiting, '{}');
          if waiting is null and not exists (
            select from unnest(moments) as m
            where m is not null and to_regclass(format('%I.%I', parent_schema,
              parent_table || '_' || left(period, 1) || to_char(date_trunc(period, m, 'UTC') at time zone 'UTC', name_format))) is null) then
            return;
          end if;
          perform pg_advisory_xact_lock(hashtext('{{EnsureFunction}}'), hashtext(parent));
          if waiting is not null then
            execute format('alter table %s detach partition %s', parent, fallback);
            detached := true;
            execute format('select array_agg(distinct %I) from %s', key, fallback) into waiting;
            moments := moments || coalesce(waiting, '{}');
          end if;
          for period_start in select distinct date_trunc(period, m, 'UTC') from unnest(moments) as m where m is not null loop
            partition_name := parent_table || '_' || left(period, 1) || to_char(period_start at time zone 'UTC', name_format);
            if to_regclass(format('%I.%I', parent_schema, partition_name)) is null then
              begin
                execute format('create table %I.%I partition of %s for values from (%L) to (%L)', parent_schema, partition_name, parent,
                  period_start, ((period_start at time zone 'UTC') + ('1 ' || period)::interval) at time zone 'UTC');
              exception when duplicate_table or unique_violation then
                null;
              end;
            end if;
          end loop;
          if detached then
            execute format('insert into %s select * from %s', parent, fallback);
            execute format('truncate %s', fallback);
            execute format('alter table %s attach partition %s default', parent, fallback);
          end if;
        end
        $fn$;
        """);

    private static string EnsureSql(string schema, PartitionedTable table) =>
        $"select {schema}.{EnsureFunction}('{LedgerTables.QualifiedName(schema, table.Name)}', '{table.Column}', '{table.SqlPeriod}', $1::timestamptz[])";

    /// <summary>Creates the partitions of every period in <paramref name="moments"/> that has none yet.</summary>
    public static async Task EnsureAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string schema, PartitionedTable table, IEnumerable<DateTimeOffset> moments, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(EnsureSql(schema, table), conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = moments.Select(m => m.ToUniversalTime()).Distinct().ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Creates the partitions of the period holding <paramref name="now"/> and of the next one, so writers find theirs there.</summary>
    public static Task EnsureAheadAsync(NpgsqlConnection conn, string schema, PartitionedTable table, DateTimeOffset now, CancellationToken ct) =>
        EnsureAsync(conn, null, schema, table, [now, table.Policy.AddPeriods(table.PeriodOf(now), 1)], ct);

    /// <summary>
    /// <see cref="EnsureAheadAsync"/> that gives way to the table's readers and writers: moving rows out of the default
    /// partition detaches it, which needs the whole table to itself, and a lock request waiting behind a long query (an
    /// analyst's report on the table) would queue every projection write and read behind it. With a
    /// <paramref name="lockTimeout"/> it gives up instead, rolls back and returns false; rows keep waiting in the default
    /// partition, where they are read and written as usual.
    /// </summary>
    public static async Task<bool> TryEnsureAheadAsync(NpgsqlConnection conn, string schema, PartitionedTable table, DateTimeOffset now, TimeSpan lockTimeout, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var timeout = new NpgsqlCommand($"set local lock_timeout = {(long)lockTimeout.TotalMilliseconds}", conn, tx))
        {
            await timeout.ExecuteNonQueryAsync(ct);
        }

        try
        {
            await EnsureAsync(conn, tx, schema, table, [now, table.Policy.AddPeriods(table.PeriodOf(now), 1)], ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>The partitions of <paramref name="table"/> with the start of their period, oldest first; partitions not named by the period scheme are left out.</summary>
    public static async Task<IReadOnlyList<(string Name, DateTimeOffset Start)>> ListAsync(NpgsqlDataSource dataSource, string schema, PartitionedTable table, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("""
            select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
            where i.inhparent = to_regclass($1) order by c.relname
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = LedgerTables.QualifiedName(schema, table.Name) });
        var partitions = new List<(string, DateTimeOffset)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var name = reader.GetString(0);
            if (name.StartsWith(table.Name + "_", StringComparison.Ordinal) && table.Policy.TryParseSuffix(name[(table.Name.Length + 1)..], out var start))
            {
                partitions.Add((name, start));
            }
        }

        return partitions;
    }

    /// <summary>Drops every partition whose whole period ended at or before <paramref name="floor"/>; returns their names.</summary>
    public static async Task<IReadOnlyList<string>> DropEndedBeforeAsync(NpgsqlDataSource dataSource, string schema, PartitionedTable table, DateTimeOffset floor, CancellationToken ct)
    {
        var dropped = new List<string>();
        foreach (var (name, start) in await ListAsync(dataSource, schema, table, ct))
        {
            if (table.Policy.AddPeriods(start, 1) <= floor)
            {
                await using var drop = dataSource.CreateCommand($"drop table if exists {LedgerTables.QualifiedName(schema, name)}");
                await drop.ExecuteNonQueryAsync(ct);
                dropped.Add(name);
            }
        }

        return dropped;
    }
}

/// <summary>
/// Creates the hourly tables' partitions for this month and the next at start-up (after Marten applied the schema,
/// moving the rows of a table converted from an unpartitioned one into theirs) and every hour after, and moves rows
/// that waited in a default partition (months written before their partition existed) into their months'.
/// </summary>
internal sealed class MonthlyPartitionsService(NpgsqlDataSource dataSource, LedgerOptions options, TimeProvider clock, ILogger<MonthlyPartitionsService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>How long a pass waits for a table it must detach the default partition of before it lets the table's users go first.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(2);

    /// <summary>When a pass that gave way to a busy table tries again.</summary>
    private static readonly TimeSpan RetryBusy = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = Interval;
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(stoppingToken);
                foreach (var table in LedgerTables.Monthly)
                {
                    if (!await TablePartitions.TryEnsureAheadAsync(conn, options.Schema, table, clock.GetUtcNow(), LockTimeout, stoppingToken))
                    {
                        logger.LogWarning(
                            "{Table} was busy for {LockTimeout} (a long query or write holds it): its rows waiting in the default partition move to their months' at the next try, in {Retry}",
                            table.Name, LockTimeout, RetryBusy);
                        next = RetryBusy;
                    }
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogError(e, "Creating this and next month's partitions of the hourly tables failed; rows wait in the default partitions, next try in {Interval}", Interval);
            }

            await Task.Delay(next, clock, stoppingToken);
        }
    }
}
