using System.CommandLine;
using Npgsql;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Cli.Output;
using TrueCost.Reporting.Governance.Commitments;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost commitments [--from --to]</c>: every FOCUS commitment in the ledger and every one of Governance:Commitments
/// over a range (default: the current month to date), with amortized, used and unused cost, utilization, coverage and findings.
/// </summary>
public static class CommitmentsCommand
{
    private static readonly Option<string?> From = new("--from") { Description = "Start, a UTC day (2026-11-10) or hour (2026-11-10T08:00Z) (default: the start of the current month)" };
    private static readonly Option<string?> To = new("--to") { Description = "End, exclusive (default: the current hour)" };

    public static Command Create()
    {
        var command = new Command("commitments", "Reserved GPU capacity and token commitments: amortized, used and unused cost, utilization, coverage, findings")
        {
            From, To, Endpoints.Postgres,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var (monthStart, now) = CommitmentsService.MonthToDate(DateTimeOffset.UtcNow);
        var to = LedgerCommands.ParseHour(parse.GetValue(To), "--to") ?? now;
        var from = LedgerCommands.ParseHour(parse.GetValue(From), "--from") ?? monthStart;
        if (to <= from)
        {
            throw new CliException($"--to {to:u} must be after --from {from:u}");
        }

        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        var settings = Settings.Load(parse);
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var report = await CommitmentsService.ComputeAsync(dataSource, settings.Ledger, settings.Governance.Commitments, from, to, ct);
        AnsiConsole.Write(FindingTables.Commitments(report));
        if (report.Findings.Count > 0)
        {
            AnsiConsole.Write(FindingTables.Findings(report.Findings, "Commitment findings"));
        }

        return 0;
    }
}
