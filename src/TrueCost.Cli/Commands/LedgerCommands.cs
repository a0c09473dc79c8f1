using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Cli.Output;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Time;
using TrueCost.Ledger.Verification;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost verify</c> (the independent check of cost_hourly) and <c>truecost reallocate</c> (re-price and
/// re-allocate past hours after a configuration change, without a rebuild).
/// </summary>
public static class LedgerCommands
{
    private static readonly Option<string> From = new("--from") { Description = "Start (UTC, inclusive), e.g. 2026-11-16 or 2026-11-16T10:00:00Z", Required = true };
    private static readonly Option<string> To = new("--to") { Description = "End (UTC, exclusive)", Required = true };

    public static Command Verify()
    {
        var command = new Command("verify", "Recompute what entered each hour from the source tables and compare it with cost_hourly; exit 1 on any difference")
        {
            Endpoints.Postgres, From, To,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (settings, dataSource, from, to) = await OpenAsync(parse, ct);
            await using (dataSource)
            {
                var rules = LedgerRules.From(settings.Ledger, await LedgerStore.LoadPricesAsync(dataSource, settings.Ledger, ct));
                var report = await new LedgerVerifier(dataSource, settings.Ledger, rules).VerifyAsync(from, to, ct);
                var issues = await new CostQueries(dataSource, settings.Ledger).IssuesAsync(from, to, ct);
                Print(report, issues, settings.Ledger.Currency);
                var quarantined = issues.Count(i => i.Kind == AllocationIssue.QuarantinedHour);
                if (quarantined > 0)
                {
                    AnsiConsole.MarkupLine($"[red]verify: {quarantined} hour(s) quarantined by the allocator[/] (kind {AllocationIssue.QuarantinedHour} above, with the error); fix the cause and run `truecost reallocate` over them");
                }

                return report.Passed && quarantined == 0 ? 0 : 1;
            }
        });
        return command;
    }

    public static Command Reallocate()
    {
        var command = new Command("reallocate", "Re-price and re-allocate the hours of a range with the current configuration (an audit row per hour; no rebuild)")
        {
            Endpoints.Postgres, From, To,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (settings, dataSource, from, to) = await OpenAsync(parse, ct);
            await using (dataSource)
            {
                var ledger = settings.Ledger;
                using var rules = new LedgerRulesSource(dataSource, ledger);
                var before = await TotalAsync(dataSource, ledger, from, to, ct);
                var hours = await QueueAsync(dataSource, ledger, from, to, ct);
                AnsiConsole.MarkupLine($"queued {hours:N0} hours of {from:yyyy-MM-dd HH}:00 .. {to:yyyy-MM-dd HH}:00 UTC for re-allocation with the current configuration");
                var allocator = new CostAllocatorService(dataSource, ledger, rules, TimeProvider.System, NullLogger<CostAllocatorService>.Instance);
                var prices = (await rules.CurrentAsync(ct)).Pricer.Catalogue;
                AnsiConsole.MarkupLine($"prices: catalogue {Markup.Escape(prices.Version)} ({prices.Prices.Count:N0} entries)");
                var done = 0;
                await AnsiConsole.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask("re-allocating", maxValue: Math.Max(hours, 1));
                    while (await allocator.AllocateQueuedAsync(ct) is var page and > 0)
                    {
                        done += page;
                        task.Value = Math.Min(done, hours);
                    }

                    task.Value = task.MaxValue;
                });
                var after = await TotalAsync(dataSource, ledger, from, to, ct);
                AnsiConsole.MarkupLine($"re-allocated {done:N0} hours: total {before:N2} → {after:N2} {ledger.Currency} (each hour has a new allocation_audit row with reason 'reallocate')");
                return 0;
            }
        });
        return command;
    }

    internal static void Print(VerifyReport report, IReadOnlyList<IssueSummary> issues, string currency)
    {
        if (issues.Count > 0)
        {
            AnsiConsole.Write(IssueTables.Issues(issues));
        }

        foreach (var note in report.Notes)
        {
            AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        }

        if (!report.Passed)
        {
            AnsiConsole.Write(IssueTables.Differences(report));
        }

        AnsiConsole.MarkupLine(IssueTables.VerifySummary(report, currency));
    }

    private static async Task<(Settings, NpgsqlDataSource, DateTimeOffset, DateTimeOffset)> OpenAsync(ParseResult parse, CancellationToken ct)
    {
        var settings = Settings.Load(parse);
        var from = ParseTime(parse.GetValue(From)!, "--from");
        var to = ParseTime(parse.GetValue(To)!, "--to");
        if (to <= from)
        {
            throw new CliException($"--to {to:O} is not after --from {from:O}");
        }

        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        return (settings, NpgsqlDataSource.Create(postgres), from, to);
    }

    internal static DateTimeOffset ParseTime(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new CliException($"{option} '{text}' is not a date or an RFC 3339 time (UTC)");

    /// <summary>
    /// An optional range end given as a UTC day (<c>2026-11-10</c>, its midnight) or the start of a UTC hour
    /// (<c>2026-11-10T08:00Z</c>): what governance and commitments are kept per. Another minute is refused, as the API
    /// refuses it, rather than rounded.
    /// </summary>
    internal static DateTimeOffset? ParseHour(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        var at = ParseTime(text, option);
        return UtcHour.Floor(at) == at
            ? at
            : throw new CliException($"{option} '{text}' is not the start of a UTC hour: costs are kept per whole hour, e.g. {UtcHour.Floor(at):yyyy-MM-dd'T'HH:mm'Z'}");
    }

    private static async Task<decimal> TotalAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select coalesce(sum(total), 0) from {ledger.Schema}.{LedgerTables.CostHourly} where hour >= $1 and hour < $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        return (decimal)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Queues every hour of the range that has usage, a cost line, an incident or allocated rows.</summary>
    private static async Task<int> QueueAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var s = ledger.Schema;
        await using var cmd = dataSource.CreateCommand($"""
            with hours as (
                select hour from {s}.{LedgerTables.UsageHourly} where hour >= $1 and hour < $2
                union select hour from {s}.{LedgerTables.CostLineHourly} where hour >= $1 and hour < $2
                union select hour from {s}.{LedgerTables.CostHourly} where hour >= $1 and hour < $2
                union select h from {s}.{LedgerTables.Incidents},
                      generate_series(date_trunc('hour', greatest(window_start, $1)), least(window_end, $2) - interval '1 microsecond', interval '1 hour') h
                      where window_start < $2 and window_end > $1)
            insert into {s}.{LedgerTables.AllocationQueue} (hour, reason)
            select hour, 'reallocate requested (configuration or prices changed)' from hours
            on conflict (hour) do update set reason = excluded.reason, queued_at = now()
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
