using System.CommandLine;
using Spectre.Console;
using TrueCost.Cli.Commands;
using TrueCost.Cli.Infrastructure;

var root = new RootCommand("TrueCost — what running LLMs in production really costs")
{
#if DEV_TOOLS
    DemoCommand.Create(),
    DevCommand.Create(),
#endif
    WorkerCommands.Ingest(),
    WorkerCommands.Projector(),
    UnitCostCommand.Create(),
    ReportCommand.Create(),
    ReportCommand.Worker(),
    StatementCommand.Create(),
    BreakevenCommand.Create(),
    IncidentCostCommand.Create(),
    ImportCommand.Create(),
    ScrapeCommand.Create(),
    OtlpReceiverCommand.Create(),
    PricesCommand.Create(),
    ApiCommand.Create(),
    KeysCommand.Create(),
    GovernanceCommands.Budgets(),
    GovernanceCommands.Anomalies(),
    GovernanceCommands.Forecast(),
    CommitmentsCommand.Create(),
    ConfigCommand.Create(),
    LedgerCommands.Verify(),
    LedgerCommands.Reallocate(),
    ProbeCommand.Create(),
};
root.Options.Add(Settings.ConfigFile);
root.Options.Add(Settings.LogFormatOption);

if (Console.IsOutputRedirected)
{
    // Tables written to a file or pipe keep their columns instead of wrapping at 80.
    AnsiConsole.Profile.Width = 180;
}

try
{
    // System.CommandLine's default handler would catch CliException first (stack trace, exit 1).
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliException e)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    return 2;
}
catch (OperationCanceledException)
{
    // Stopped by Ctrl+C or SIGTERM: the exit code the default handler gave, without its message.
    return 1;
}
