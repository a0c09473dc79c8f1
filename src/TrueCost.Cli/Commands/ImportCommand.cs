using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Contracts;
using TrueCost.Contracts.LiteLlm;
using TrueCost.Ingest.InvoiceLines;
using TrueCost.Ingest.LiteLlm;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost import focus FILE…</c>: produces the rows of FOCUS 1.x CSV exports to the invoice-line topic,
/// then prints what was read, produced and rejected, and the produced money per currency. Exit code 0 when
/// every row was produced, 1 when some were rejected (the others are produced), 2 when the import failed.
/// <c>truecost import litellm FILE…</c> does the same for LiteLLM standard logging payloads (JSON lines or a JSON
/// array) on the LiteLLM topic: a payload the ingest worker would refuse is refused here, with its reason, and not produced.
/// </summary>
public static class ImportCommand
{
    private static readonly Argument<FileInfo[]> Files = new("FILE")
    {
        Description = "FOCUS CSV files (RFC 4180, UTF-8, header row of FOCUS column names)",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> TopicPrefix = new("--topic-prefix")
    {
        Description = "Prepended to the topic name, as the pipeline it feeds was started with",
        DefaultValueFactory = _ => string.Empty,
    };

    private static readonly Argument<FileInfo[]> PayloadFiles = new("FILE")
    {
        Description = "Files of LiteLLM standard logging payloads: one JSON object per line, or one JSON array of them",
        Arity = ArgumentArity.OneOrMore,
    };

    public static Command Create()
    {
        var focus = new Command("focus", $"Produce FOCUS CSV invoice lines to {Topics.InvoiceLines}")
        {
            Files, Endpoints.Kafka, TopicPrefix,
        };
        focus.SetAction((parse, ct) => Task.FromResult(Run(parse, ct)));
        var litellm = new Command("litellm", $"Produce LiteLLM standard logging payloads to the LiteLLM topic ({LiteLlmOptions.Section}:Topic)")
        {
            PayloadFiles, Endpoints.Kafka, TopicPrefix,
        };
        litellm.SetAction((parse, ct) => Task.FromResult(RunLiteLlm(parse, ct)));
        return new Command("import", "Import cost data from files") { focus, litellm };
    }

    private static int RunLiteLlm(ParseResult parse, CancellationToken ct)
    {
        var files = parse.GetValue(PayloadFiles)!;
        if (files.FirstOrDefault(f => !f.Exists) is { } absent)
        {
            throw new CliException($"file {absent.FullName} does not exist");
        }

        var kafka = Settings.Load(parse).Ingest;
        var options = kafka.LiteLlm;
        kafka.BootstrapServers = Endpoints.Require(parse, Endpoints.Kafka, "TRUECOST_KAFKA");
        Endpoints.CheckKafka(kafka);
        var topic = parse.GetValue(TopicPrefix) + options.Topic;
        Endpoints.CheckTopic(kafka, topic);

        using var importer = new LiteLlmImporter(kafka, topic, new StandardLoggingPayloadMapper(options, TimeProvider.System));
        try
        {
            foreach (var file in files)
            {
                importer.ImportFile(file.FullName, ct);
            }
        }
        catch (LiteLlmFileException e)
        {
            Print(importer.Summary, topic);
            throw new CliException(e.Message);
        }

        Print(importer.Summary, topic);
        return importer.Summary.Refused == 0 ? 0 : 1;
    }

    private static void Print(LiteLlmImportSummary summary, string topic)
    {
        AnsiConsole.MarkupLine(
            $"[bold]{summary.Files} file(s) → {Markup.Escape(topic)}[/]: payloads read {summary.Read:N0}, " +
            $"produced [green]{summary.Produced:N0}[/], refused {(summary.Refused == 0 ? "0" : $"[red]{summary.Refused:N0}[/]")}");

        // LiteLLM's own figure, summed exactly as sent: shown for comparison, never TrueCost's cost.
        AnsiConsole.MarkupLine(
            $"LiteLLM's own response_cost of the produced payloads: {summary.ReportedCostUsd.ToString(CultureInfo.InvariantCulture)} USD" +
            (summary.WithoutReportedCost == 0 ? string.Empty : $" ({summary.WithoutReportedCost:N0} payload(s) without one: LiteLLM could not price them)") +
            "; TrueCost prices the tokens with its own catalogue");
        if (summary.Refused == 0)
        {
            return;
        }

        AnsiConsole.MarkupLine("[red]Refused payloads[/], not produced. Fix the configuration (Ingest:LiteLlm) or the payloads and import the whole file again; payloads already produced are stored once per id:");
        foreach (var reason in summary.Refusals)
        {
            AnsiConsole.MarkupLine($"  {Markup.Escape(reason)}");
        }

        if (summary.Refused > summary.Refusals.Count)
        {
            AnsiConsole.MarkupLine($"  … and {summary.Refused - summary.Refusals.Count:N0} more");
        }
    }

    private static int Run(ParseResult parse, CancellationToken ct)
    {
        var files = parse.GetValue(Files)!;
        if (files.FirstOrDefault(f => !f.Exists) is { } absent)
        {
            throw new CliException($"file {absent.FullName} does not exist");
        }

        var kafka = Settings.Load(parse).Ingest;
        kafka.BootstrapServers = Endpoints.Require(parse, Endpoints.Kafka, "TRUECOST_KAFKA");
        Endpoints.CheckKafka(kafka);
        var topic = parse.GetValue(TopicPrefix) + Topics.InvoiceLines;
        Endpoints.CheckTopic(kafka, topic);

        using var importer = new FocusImporter(kafka, topic, TimeProvider.System);
        try
        {
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(progress =>
                {
                    var tasks = files.Select(f => (File: f, Task: progress.AddTask(Markup.Escape(f.Name), autoStart: false, maxValue: Math.Max(1, f.Length)))).ToList();
                    foreach (var (file, task) in tasks)
                    {
                        task.StartTask();
                        importer.ImportFile(file.FullName, read => task.Value = read, ct);
                        task.Value = task.MaxValue;
                    }
                });
        }
        catch (FocusFileException e)
        {
            Print(importer.Summary, topic);
            throw new CliException(e.Message);
        }

        Print(importer.Summary, topic);
        return importer.Summary.Rejected == 0 ? 0 : 1;
    }

    private static void Print(FocusImportSummary summary, string topic)
    {
        AnsiConsole.MarkupLine(
            $"[bold]{summary.Files} file(s) → {Markup.Escape(topic)}[/]: rows read {summary.RowsRead:N0}, " +
            $"produced [green]{summary.Produced:N0}[/], rejected {(summary.Rejected == 0 ? "0" : $"[red]{summary.Rejected:N0}[/]")}");
        if (summary.Totals.Count > 0)
        {
            // Amounts are shown exactly as summed, never rounded: they are what reconciles with the invoice.
            var table = new Table().Border(TableBorder.Rounded).Title("Produced lines per billing currency");
            table.AddColumn("currency");
            table.AddColumn(new TableColumn("lines").RightAligned());
            table.AddColumn(new TableColumn("BilledCost").RightAligned());
            table.AddColumn(new TableColumn("EffectiveCost").RightAligned());
            foreach (var (currency, totals) in summary.Totals)
            {
                table.AddRow(
                    currency,
                    totals.Lines.ToString("N0", CultureInfo.InvariantCulture),
                    totals.BilledCost.ToString(CultureInfo.InvariantCulture),
                    totals.EffectiveCost.ToString(CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
        }

        if (summary.Rejected == 0)
        {
            return;
        }

        // Line ids hash each row's content, so re-importing the corrected whole file stores only the fixed rows anew.
        AnsiConsole.MarkupLine("[red]Rejected rows[/], not produced. Fix them and import the whole file again; rows already produced keep their ids and are stored once:");
        foreach (var reason in summary.Rejections)
        {
            AnsiConsole.MarkupLine($"  {Markup.Escape(reason)}");
        }

        if (summary.Rejected > summary.Rejections.Count)
        {
            AnsiConsole.MarkupLine($"  … and {summary.Rejected - summary.Rejections.Count:N0} more");
        }
    }
}
