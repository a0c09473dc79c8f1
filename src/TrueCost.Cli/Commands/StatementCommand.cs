using System.CommandLine;
using Npgsql;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Reporting.Statements;

namespace TrueCost.Cli.Commands;

/// <summary><c>truecost statement</c>: a tenant's chargeback statement for a UTC month, as HTML and a FOCUS-shaped CSV.</summary>
public static class StatementCommand
{
    private static readonly Option<string> Tenant = new("--tenant") { Description = "The tenant, as cost_hourly names it", Required = true };
    private static readonly Option<string> Month = new("--month") { Description = "UTC calendar month, YYYY-MM (e.g. 2026-01)", Required = true };
    private static readonly Option<DirectoryInfo> Out = new("--out") { Description = "Directory the statement files are written to", DefaultValueFactory = _ => new DirectoryInfo("truecost-statements") };
    private static readonly Option<string?> Schema = new("--schema") { Description = "PostgreSQL schema of the ledger (default: Ledger:Schema of the configuration, truecost)" };

    public static Command Create()
    {
        var command = new Command("statement", "A tenant's chargeback statement for a month: its allocated cost by bucket, route, model and day with each line's allocation method (HTML and FOCUS-shaped CSV)")
        {
            Tenant, Month, Out, Endpoints.Postgres, Schema,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var tenant = parse.GetValue(Tenant)!;
        if (string.IsNullOrWhiteSpace(tenant))
        {
            throw new CliException($"--tenant '{tenant}' is blank: name a tenant as cost_hourly names it");
        }

        var month = ParseMonth(parse.GetValue(Month));
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        var ledger = Settings.Load(parse).WithSchema(parse.GetValue(Schema)).Ledger;
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        Statement statement;
        try
        {
            statement = await new StatementLoader(dataSource, ledger, TimeProvider.System).LoadAsync(tenant, month, ct);
        }
        catch (NoCostRowsException e)
        {
            throw new CliException(e.Message);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new CliException($"schema {ledger.Schema} has no ledger tables ({e.MessageText}); is --postgres a TrueCost ledger and has the projector run?");
        }

        var files = await StatementWriter.WriteAsync(statement, parse.GetValue(Out)!.FullName, ct);
        Print(statement);
        foreach (var file in files)
        {
            AnsiConsole.WriteLine(file);
        }

        return 0;
    }

    private static void Print(Statement s)
    {
        var table = new Table().AddColumn("bucket").AddColumn(new TableColumn($"{s.Currency}").RightAligned());
        var t = s.Totals;
        foreach (var (bucket, amount) in new[]
                 {
                     ("direct inference", t.DirectInference), ("  of which idle", t.Idle), ("platform overhead", t.PlatformOverhead),
                     ("observability", t.Observability), ("engineering", t.Engineering), ("incident", t.Incident), ("total", t.Total),
                 })
        {
            table.AddRow(bucket, StatementCsv.Money(amount));
        }

        AnsiConsole.MarkupLine($"[bold]{Markup.Escape($"{s.Tenant} {s.Month}")}[/]: {s.Lines.Count} lines, equal to cost_hourly to the cent");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(s.UnpricedRequests > 0 || s.UnpricedTokens > 0
            ? $"[yellow]unpriced API usage: {s.UnpricedRequests} requests, {s.UnpricedTokens} tokens (cost missing unless an invoice covered it)[/]"
            : "unpriced API usage: none");
        if (s.QuarantinedHours.Count > 0)
        {
            AnsiConsole.MarkupLine($"[yellow]{s.QuarantinedHours.Count} hour(s) of the month are quarantined (not allocated)[/]");
        }
    }

    private static StatementMonth ParseMonth(string? text)
    {
        try
        {
            return StatementMonth.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"--month: {e.Message}");
        }
    }
}
