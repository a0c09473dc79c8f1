using System.CommandLine;
using DaemonMode = JasperFx.Events.Daemon.DaemonMode;
using Marten;
using Npgsql;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Incidents;

namespace TrueCost.Cli.Commands;

/// <summary><c>truecost incident-cost ID</c>: the cost block an SRE pastes into the incident's postmortem.</summary>
public static class IncidentCostCommand
{
    private static readonly Argument<string> Id = new("id") { Description = "Incident id, e.g. INC-2026-0042" };
    private static readonly Option<string> Format = new Option<string>("--format") { Description = "md (Markdown) or json", DefaultValueFactory = _ => "md" }.AcceptOnlyFromAmong("md", "json");
    private static readonly Option<string?> Schema = new("--schema") { Description = "PostgreSQL schema of the ledger (default: Ledger:Schema of the configuration, truecost)" };

    public static Command Create()
    {
        var command = new Command("incident-cost", "What an incident cost (responders, failed requests, credits, wasted tokens), as Markdown or JSON")
        {
            Id, Format, Endpoints.Postgres, Schema,
        };
        command.SetAction((parse, ct) => RunAsync(parse, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        var ledger = Settings.Load(parse).WithSchema(parse.GetValue(Schema)).Ledger;
        var id = parse.GetValue(Id)!;
        try
        {
            ledger.Validate();
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }

        await using var dataSource = NpgsqlDataSource.Create(postgres);
        // Only reads the incident's stream; projections run in the projector, so the store says so
        // instead of printing Marten's disabled-daemon warning into the Markdown or JSON on stdout.
        using var store = DocumentStore.For(opts =>
        {
            LedgerStore.Configure(opts, postgres, ledger);
            opts.Projections.AsyncMode = DaemonMode.ExternallyManaged;
        });
        IncidentCostReport? report;
        try
        {
            report = await new IncidentCostLoader(dataSource, store, ledger).LoadAsync(id, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new CliException($"schema {ledger.Schema} has no incidents table ({e.MessageText}); is --postgres a TrueCost ledger and has the projector run?");
        }

        if (report is null)
        {
            throw new CliException($"incident {id} not found in {ledger.Schema}.{LedgerTables.Incidents}; check the id, or wait for the projector to catch up if its records were just ingested");
        }

        await Console.Out.WriteAsync(parse.GetValue(Format) == "json" ? IncidentCostRenderer.ToJson(report) + Environment.NewLine : IncidentCostRenderer.ToMarkdown(report));
        return 0;
    }
}
