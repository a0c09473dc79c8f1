using System.CommandLine;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Alerts;
using TrueCost.Reporting.Messaging;
using TrueCost.Reporting.Messaging.Delivery;
using TrueCost.Reporting.Rightsizing;
using TrueCost.Reporting.Weekly;
using TrueCost.ServiceDefaults;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost report weekly</c> builds one week's FinOps report straight from PostgreSQL (no bus);
/// <c>truecost report-worker</c> runs the reporting consumers and the weekly scheduler against RabbitMQ.
/// </summary>
public static class ReportCommand
{
    private static readonly Option<string?> Week = new("--week") { Description = "ISO week, e.g. 2026-W47 (default: the last complete week)" };
    private static readonly Option<DirectoryInfo> Out = new("--out") { Description = "Directory the report files are written to", DefaultValueFactory = _ => new DirectoryInfo("truecost-reports") };
    private static readonly Option<string?> Schema = new("--schema") { Description = "PostgreSQL schema of the ledger (default: Ledger:Schema of the configuration, truecost)" };

    private static readonly Option<string?> RabbitMq = new("--rabbitmq")
    {
        Description = "RabbitMQ address, amqp://user:pass@host:5672/vhost (default: $TRUECOST_RABBITMQ)",
    };

    // A string, not a Uri: System.CommandLine cannot convert an argument to Uri and throws instead of reporting a usage error.
    private static readonly Option<string?> Webhook = new("--webhook") { Description = "POST every published report as JSON to this URL" };
    private static readonly Option<string?> Smtp = new("--smtp") { Description = "Mail every published report through this SMTP server, host:port" };
    private static readonly Option<string[]> MailTo = new("--mail-to") { Description = "Recipient of the report mail (repeatable)", AllowMultipleArgumentsPerToken = true };
    private static readonly Option<string> MailFrom = new("--mail-from") { Description = "Sender of the report mail", DefaultValueFactory = _ => "truecost@localhost" };
    private static readonly Option<DayOfWeek> ScheduleDay = new("--schedule-day") { Description = "Weekday (UTC) the previous week's report is requested", DefaultValueFactory = _ => DayOfWeek.Monday };
    private static readonly Option<int> ScheduleHour = new("--schedule-hour") { Description = "Hour (UTC, 0-23) the previous week's report is requested", DefaultValueFactory = _ => 0 };
    private static readonly Option<bool> NoSchedule = new("--no-schedule") { Description = "Only answer requests; do not request reports on a schedule" };

    public static Command Create()
    {
        var weekly = new Command("weekly", "Build the weekly FinOps report (HTML, Markdown, CSV) for an ISO week and print the file paths")
        {
            Week, Out, Endpoints.Postgres, Schema,
        };
        weekly.SetAction(WeeklyAsync);
        return new Command("report", "FinOps reports") { weekly };
    }

    public static Command Worker()
    {
        var command = new Command("report-worker", "Run the reporting consumers and the weekly scheduler against RabbitMQ (runs until stopped)")
        {
            Endpoints.Postgres, RabbitMq, Schema, Out, Webhook, Smtp, MailTo, MailFrom, ScheduleDay, ScheduleHour, NoSchedule, Settings.OpsUrls,
        };
        command.SetAction(WorkerAsync);
        return command;
    }

    private static async Task<int> WeeklyAsync(ParseResult parse, CancellationToken ct)
    {
        var week = ParseWeek(parse.GetValue(Week));
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        var settings = Configured(parse);
        var ledger = settings.Ledger;
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var builder = new WeeklyReportBuilder(
            dataSource, ledger, new LedgerFindingsSource(dataSource, ledger, settings.Findings, settings.Governance), TimeProvider.System,
            LedgerGovernanceSource.Create(dataSource, ledger, settings.Governance, TimeProvider.System));
        var report = await builder.BuildAsync(week, ct);
        var files = await WeeklyReportWriter.WriteAsync(report, parse.GetValue(Out)!.FullName, ct);
        foreach (var line in ReportSummary.Lines(report))
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
        }

        foreach (var file in files)
        {
            AnsiConsole.WriteLine(file);
        }

        return 0;
    }

    private static async Task<int> WorkerAsync(ParseResult parse, CancellationToken ct)
    {
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        var options = new ReportingBusOptions
        {
            Transport = ReportingTransport.RabbitMq,
            RabbitMq = ParseRabbitMq(Endpoints.Require(parse, RabbitMq, "TRUECOST_RABBITMQ")),
            OutputDirectory = parse.GetValue(Out)!.FullName,
            Schedule = new ScheduleOptions { Enabled = !parse.GetValue(NoSchedule), Day = parse.GetValue(ScheduleDay), Hour = parse.GetValue(ScheduleHour) },
            Delivery = new DeliveryOptions
            {
                Webhook = parse.GetValue(Webhook) is { } url ? new WebhookDeliveryOptions { Url = ParseWebhook(url) } : null,
                Smtp = parse.GetValue(Smtp) is { } smtp ? SmtpOptions(smtp, parse.GetValue(MailFrom)!, parse.GetValue(MailTo) ?? []) : null,
            },
        };
        try
        {
            options.Validate();
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }

        await CheckRabbitMqAsync(options.RabbitMq, ct);
        var builder = Host.CreateApplicationBuilder();
        var settings = Configured(parse).WithOpsUrls(parse.GetValue(Settings.OpsUrls));
        var ops = settings.StartOps("truecost-report-worker");
        using var telemetry = ops.Telemetry;
        builder.AddServiceDefaults(ops, postgres: true, opsListener: true);
        builder.Services.AddSingleton(settings.Ledger);
        builder.Services.AddSingleton(settings.Findings);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
        builder.Services.AddGovernanceAlerts(settings.Governance);
        builder.Services.AddReportingBus(options, bus => bus.AddGovernanceConsumers());
        using var host = builder.Build();
        ReportingMetrics.Start(host.Services.GetServices<IReportChannel>().Select(c => c.Name).Concat(host.Services.GetServices<IAlertChannel>().Select(c => c.Name)));
        await host.RunAsync(ct);
        return 0;
    }

    private static Uri ParseWebhook(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"--webhook '{url}' is not an http:// or https:// address");

    private static IsoWeek ParseWeek(string? text)
    {
        try
        {
            return text is null ? IsoWeek.Of(DateTimeOffset.UtcNow).Previous() : IsoWeek.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"--week: {e.Message}");
        }
    }

    private static Settings Configured(ParseResult parse) => Settings.Load(parse).WithSchema(parse.GetValue(Schema));

    private static RabbitMqConnection ParseRabbitMq(string uri)
    {
        try
        {
            return RabbitMqConnection.FromUri(uri);
        }
        catch (FormatException e)
        {
            throw new CliException($"--rabbitmq: {e.Message}");
        }
    }

    private static SmtpDeliveryOptions SmtpOptions(string hostPort, string from, string[] to)
    {
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort.AsSpan(colon + 1), out var port))
        {
            throw new CliException($"--smtp '{hostPort}' is not host:port");
        }

        return new SmtpDeliveryOptions { Host = hostPort[..colon], Port = port, From = from, To = [.. to] };
    }

    private static async Task CheckRabbitMqAsync(RabbitMqConnection rabbit, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(rabbit.Host, rabbit.Port, timeout.Token);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new CliException($"cannot reach RabbitMQ at {rabbit.Host}:{rabbit.Port}: {e.Message}");
        }
    }
}
