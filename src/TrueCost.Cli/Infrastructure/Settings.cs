using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Rightsizing;
using TrueCost.ServiceDefaults;

namespace TrueCost.Cli.Infrastructure;

/// <summary>
/// The one configuration every truecost process reads, the same way: the file given by <c>--config</c>, else
/// <c>$TRUECOST_CONFIG</c>, else <c>./truecost.json</c> when it exists (else the embedded defaults), then
/// environment variables, which override the file key by key (<c>Ledger__Currency=EUR</c>,
/// <c>Reporting__Findings__GpuCataloguePath=…</c>, <c>Api__Keys__0__Name=…</c>). Bound and validated at
/// start: a bad value stops the process with its key and the reason.
/// </summary>
public sealed class Settings
{
    public const string FileVariable = "TRUECOST_CONFIG";
    public const string DefaultFile = "truecost.json";

    public static readonly Option<FileInfo?> ConfigFile = new("--config")
    {
        Description = $"Configuration file (default: ${FileVariable}, else ./{DefaultFile} when present); environment variables override it",
        Recursive = true,
    };

    public static readonly Option<LogFormat?> LogFormatOption = new("--log-format")
    {
        Description = "Console logs as simple lines or one JSON object per line: simple|json (default: Ops:LogFormat, simple)",
        Recursive = true,
    };

    /// <summary>A worker's ops listener; <c>api</c> and <c>otlp-receiver</c> serve the same endpoints on their own <c>--urls</c>.</summary>
    public static readonly Option<string?> OpsUrls = new("--ops-urls")
    {
        Description = "Serve /healthz, /readyz and /metrics at these addresses, ';'-separated, e.g. http://0.0.0.0:9464 (default: Ops:Urls; none)",
    };

    private Settings(IConfiguration configuration, string? source, LedgerOptions ledger, FindingsOptions findings, IngestOptions ingest, OpsOptions ops, GovernanceOptions governance)
    {
        Ops = ops;
        Governance = governance;
        Configuration = configuration;
        Source = source;
        Ledger = ledger;
        Findings = findings;
        Ingest = ingest;
    }

    public IConfiguration Configuration { get; }

    /// <summary>The file read, or null when only the defaults and the environment apply.</summary>
    public string? Source { get; }

    public LedgerOptions Ledger { get; }

    public FindingsOptions Findings { get; }

    /// <summary>Section <c>Ingest</c>; its broker comes from <c>--kafka</c> / <c>$TRUECOST_KAFKA</c> when given.</summary>
    public IngestOptions Ingest { get; }

    /// <summary>Section <c>Ops</c>: the ops listener of worker processes, the log format and how often database gauges are read.</summary>
    public OpsOptions Ops { get; }

    /// <summary>Section <c>Governance</c>: budgets, anomaly detection, forecasts and where alerts go.</summary>
    public GovernanceOptions Governance { get; }

    public static Settings Load(ParseResult parse)
    {
        var settings = Load(parse.GetValue(ConfigFile)?.FullName);
        settings.Ops.LogFormat = parse.GetValue(LogFormatOption) ?? settings.Ops.LogFormat;
        return settings;
    }

    /// <exception cref="CliException">The file is missing or unreadable, or a value is refused.</exception>
    public static Settings Load(string? file)
    {
        var source = file ?? (Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
        if (source is null && File.Exists(DefaultFile))
        {
            source = Path.GetFullPath(DefaultFile);
        }

        if (source is not null && !File.Exists(source))
        {
            throw new CliException($"configuration file {source} does not exist");
        }

        var builder = new ConfigurationBuilder();
        if (source is not null)
        {
            builder.AddJsonFile(source, optional: false, reloadOnChange: false);
        }

        IConfiguration configuration;
        LedgerOptions ledger;
        FindingsOptions findings;
        IngestOptions ingest;
        OpsOptions ops;
        GovernanceOptions governance;
        try
        {
            configuration = builder.AddEnvironmentVariables().Build();
            UnknownKeys.Check(configuration.GetSection(LedgerOptions.Section), typeof(LedgerOptions));
            UnknownKeys.Check(configuration.GetSection(FindingsOptions.Section), typeof(FindingsOptions));
            ledger = configuration.GetSection(LedgerOptions.Section).Get<LedgerOptions>() ?? new LedgerOptions();
            UnknownKeys.Check(configuration.GetSection(IngestOptions.Section), typeof(IngestOptions));
            findings = configuration.GetSection(FindingsOptions.Section).Get<FindingsOptions>() ?? new FindingsOptions();
            ingest = configuration.GetSection(IngestOptions.Section).Get<IngestOptions>() ?? new IngestOptions();
            UnknownKeys.Check(configuration.GetSection(OpsOptions.Section), typeof(OpsOptions));
            ops = configuration.GetSection(OpsOptions.Section).Get<OpsOptions>() ?? new OpsOptions();
            UnknownKeys.Check(configuration.GetSection(GovernanceOptions.Section), typeof(GovernanceOptions));
            governance = GovernanceOptions.Bind(configuration);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FormatException)
        {
            throw new CliException($"configuration{(source is null ? string.Empty : $" {source}")}: {Flatten(e)}");
        }

        try
        {
            ledger.Validate();
            ingest.ValidateValues();
            ops.Validate();
            governance.Validate();
            LedgerStore.LoadPrices(ledger);
            findings.LoadCatalogue();
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or System.Text.Json.JsonException)
        {
            throw new CliException($"configuration{(source is null ? string.Empty : $" {source}")}: {e.Message}");
        }

        return new Settings(configuration, source, ledger, findings, ingest, ops, governance);
    }

    /// <summary>Applies a command's own <c>--schema</c> when the user gave one.</summary>
    public Settings WithSchema(string? schema) => Override("--schema", schema, value => Ledger.Schema = value, Ledger.Validate);

    /// <summary>Applies a worker's own <c>--ops-urls</c> when the user gave one.</summary>
    public Settings WithOpsUrls(string? urls) => Override("--ops-urls", urls, value => Ops.Urls = value, Ops.Validate);

    /// <summary>The process's ops settings with its telemetry started; dispose it when the process ends.</summary>
    public ProcessOps StartOps(string serviceName) => new(Ops, ProcessTelemetry.Start(serviceName));

    /// <summary>Applies a command-line value over the configured one and validates the section again.</summary>
    private Settings Override(string option, string? value, Action<string> apply, Action validate)
    {
        if (value is { Length: > 0 })
        {
            apply(value);
            try
            {
                validate();
            }
            catch (InvalidOperationException e)
            {
                throw new CliException($"{option}: {e.Message}");
            }
        }

        return this;
    }

    private static string Flatten(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({Flatten(inner)})" : e.Message;
}
