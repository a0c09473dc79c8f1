using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Rightsizing;

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

    private Settings(IConfiguration configuration, string? source, LedgerOptions ledger, FindingsOptions findings, IngestOptions ingest)
    {
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

    public static Settings Load(ParseResult parse) => Load(parse.GetValue(ConfigFile)?.FullName);

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
        try
        {
            configuration = builder.AddEnvironmentVariables().Build();
            UnknownKeys.Check(configuration.GetSection(LedgerOptions.Section), typeof(LedgerOptions));
            UnknownKeys.Check(configuration.GetSection(FindingsOptions.Section), typeof(FindingsOptions));
            ledger = configuration.GetSection(LedgerOptions.Section).Get<LedgerOptions>() ?? new LedgerOptions();
            UnknownKeys.Check(configuration.GetSection(IngestOptions.Section), typeof(IngestOptions));
            findings = configuration.GetSection(FindingsOptions.Section).Get<FindingsOptions>() ?? new FindingsOptions();
            ingest = configuration.GetSection(IngestOptions.Section).Get<IngestOptions>() ?? new IngestOptions();
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FormatException)
        {
            throw new CliException($"configuration{(source is null ? string.Empty : $" {source}")}: {Flatten(e)}");
        }

        try
        {
            ledger.Validate();
            ingest.ValidateValues();
            LedgerStore.LoadPrices(ledger);
            findings.LoadCatalogue();
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or System.Text.Json.JsonException)
        {
            throw new CliException($"configuration{(source is null ? string.Empty : $" {source}")}: {e.Message}");
        }

        return new Settings(configuration, source, ledger, findings, ingest);
    }

    /// <summary>Applies a command's own <c>--schema</c> when the user gave one.</summary>
    public Settings WithSchema(string? schema)
    {
        if (schema is { Length: > 0 })
        {
            Ledger.Schema = schema;
            try
            {
                Ledger.Validate();
            }
            catch (InvalidOperationException e)
            {
                throw new CliException($"--schema: {e.Message}");
            }
        }

        return this;
    }

    private static string Flatten(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({Flatten(inner)})" : e.Message;
}
