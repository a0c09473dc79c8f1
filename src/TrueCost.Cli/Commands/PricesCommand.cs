using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Allocation;
using TrueCost.Cli.Output;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.Storage;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost prices import litellm FILE</c>: stores LiteLLM's price map as a catalogue version in PostgreSQL and
/// prints what it gave and what it skipped. <c>truecost prices list</c>: the prices in force, layered as
/// <see cref="PriceCatalogue.Layered"/> says (imports newest first over the shipped list).
/// </summary>
public static class PricesCommand
{
    /// <summary>A price map carries no dates, so its prices apply to all usage unless a start is given.</summary>
    private static readonly DateTimeOffset AlwaysFrom = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const int Examples = 3;

    private static readonly Argument<FileInfo> File = new("FILE") { Description = "LiteLLM model_prices_and_context_window.json" };

    private static readonly Option<string?> EffectiveFrom = new("--effective-from")
    {
        Description = "When the prices start to apply, ISO 8601 (default 2000-01-01T00:00:00Z: a price map has no dates)",
    };

    private static readonly Option<string?> Version = new("--version")
    {
        Description = "Catalogue version to store the prices as (default litellm-<first 12 hex of the file's SHA-256>)",
    };

    private static readonly Option<string?> Schema = new("--schema") { Description = "PostgreSQL schema of the ledger (default: Ledger:Schema of the configuration, truecost)" };

    private static readonly Option<string> From = new("--from") { Description = "Start (UTC, inclusive), e.g. 2026-11-16", Required = true };

    private static readonly Option<string> To = new("--to") { Description = "End (UTC, exclusive)", Required = true };

    private static readonly Option<string?> Provider = new("--provider") { Description = "Only this provider (any alias of it)" };

    private static readonly Option<string?> Model = new("--model") { Description = "Only models whose id contains this text" };

    public static Command Create()
    {
        var litellm = new Command("litellm", "Import LiteLLM's price map as a catalogue version")
        {
            File, EffectiveFrom, Version, Endpoints.Postgres, Schema,
        };
        litellm.SetAction(ImportLiteLlmAsync);

        var list = new Command("list", "The prices in force: imported versions (newest first) over the shipped list")
        {
            Provider, Model, Endpoints.Postgres, Schema,
        };
        list.SetAction(ListAsync);

        var missing = new Command("missing", "The models used without a price in a range, with their requests and tokens")
        {
            From, To, Endpoints.Postgres, Schema,
        };
        missing.SetAction(MissingAsync);

        return new Command("prices", "API price catalogues")
        {
            new Command("import", "Import a price catalogue into PostgreSQL") { litellm },
            list,
            missing,
        };
    }

    private static async Task<int> ImportLiteLlmAsync(ParseResult parse, CancellationToken ct)
    {
        var file = parse.GetValue(File)!;
        if (!file.Exists)
        {
            throw new CliException($"file {file.FullName} does not exist");
        }

        var from = ParseStart(parse.GetValue(EffectiveFrom));
        var bytes = await System.IO.File.ReadAllBytesAsync(file.FullName, ct);
        var version = parse.GetValue(Version) is { Length: > 0 } v ? v : $"litellm-{Convert.ToHexStringLower(SHA256.HashData(bytes))[..12]}";
        var schema = Configured(parse).Schema;
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");

        LiteLlmImport import;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            import = LiteLlmPriceMap.Read(stream, version, from, ProviderAliases.Default());
        }
        catch (InvalidDataException e)
        {
            throw new CliException($"{file.FullName}: {e.Message}");
        }

        await Endpoints.CheckPostgresAsync(postgres, ct);
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        await PriceCatalogueStore.EnsureTableAsync(dataSource, schema, ct);
        var stored = await PriceCatalogueStore.ImportAsync(dataSource, schema, version, import.Prices, ct);
        Print(import, file.Name, version, from, stored, $"{schema}.{PriceCatalogueStore.TableName}");
        return 0;
    }

    private static async Task<int> ListAsync(ParseResult parse, CancellationToken ct)
    {
        var ledger = Configured(parse);
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var catalogue = await LedgerStore.LoadPricesAsync(dataSource, ledger, ct);

        var providers = ProviderAliases.Default(ledger.Providers);
        var provider = parse.GetValue(Provider) is { Length: > 0 } p ? providers.Canonical(p) : null;
        var model = parse.GetValue(Model);
        var rows = catalogue.Prices
            .Where(x => provider is null || x.Provider == provider)
            .Where(x => string.IsNullOrEmpty(model) || x.Model.Contains(model, StringComparison.OrdinalIgnoreCase))
            .OrderBy(x => x.Provider, StringComparer.Ordinal).ThenBy(x => x.Model, StringComparer.Ordinal).ThenBy(x => x.EffectiveFrom)
            .ToList();

        AnsiConsole.MarkupLine($"[bold]catalogue {Markup.Escape(catalogue.Version)}[/]: {rows.Count:N0} of {catalogue.Prices.Count:N0} prices, per 1M tokens");
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "provider", "model", "from", "to", "currency" })
        {
            table.AddColumn(column);
        }

        foreach (var column in new[] { "input", "output", "cache read", "cache write", "reasoning" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        table.AddColumn("source");
        foreach (var x in rows)
        {
            table.AddRow(
                Markup.Escape(x.Provider), Markup.Escape(x.Model), Day(x.EffectiveFrom), x.EffectiveTo is { } to ? Day(to) : "",
                x.Currency, Money(x.InputPer1M), Money(x.OutputPer1M), Money(x.CacheReadPer1M), Money(x.CacheCreationPer1M), Money(x.ReasoningPer1M),
                Markup.Escape(x.Source ?? ""));
        }

        AnsiConsole.Write(table);
        return 0;
    }

    private static void Print(LiteLlmImport import, string file, string version, DateTimeOffset from, int stored, string table)
    {
        AnsiConsole.MarkupLine(
            $"[bold]{Markup.Escape(file)} → {Markup.Escape(table)}[/], version [bold]{Markup.Escape(version)}[/], effective from {from:yyyy-MM-ddTHH:mm:ssZ}: " +
            $"imported [green]{stored:N0}[/] prices, skipped {import.Skipped.Count:N0} keys, {import.Duplicates:N0} duplicate key(s) (the last occurrence kept)");

        var perProvider = new Table().Border(TableBorder.Rounded).Title("Imported per provider");
        perProvider.AddColumn("provider");
        perProvider.AddColumn(new TableColumn("prices").RightAligned());
        foreach (var g in import.Prices.GroupBy(p => p.Provider).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            perProvider.AddRow(Markup.Escape(g.Key), g.Count().ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(perProvider);
        Grouped("Skipped keys by reason", import.Skipped.Select(s => (Reason(s.Reason), s.Key)));
        Grouped("Imported at the base rate; these prices are not applied", import.Notes.Select(n => (n.Kind, n.Key)));
        Grouped("Keys naming the same model with other prices (the key without a route prefix, else the first, kept)", import.Conflicts.Select(c => ($"{c.Provider}/{c.Model}", $"{c.Kept} kept, {c.Dropped} dropped")));
        if (import.Duplicates > 0)
        {
            AnsiConsole.MarkupLine($"Duplicate keys: {Markup.Escape(string.Join(", ", import.DuplicateKeys.Take(Examples * 2)))}");
        }
    }

    private static void Grouped(string title, IEnumerable<(string Group, string Example)> items)
    {
        var groups = items.GroupBy(i => i.Group).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (groups.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        table.AddColumn("what");
        table.AddColumn(new TableColumn("keys").RightAligned());
        table.AddColumn("for example");
        foreach (var g in groups)
        {
            table.AddRow(Markup.Escape(g.Key), g.Count().ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(string.Join(", ", g.Take(Examples).Select(i => i.Example))));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>Region skips name their region in the reason; they are counted as one reason.</summary>
    private static string Reason(string reason)
    {
        var detail = reason.IndexOf(" (", StringComparison.Ordinal);
        return reason.StartsWith("price for one region", StringComparison.Ordinal) && detail > 0 ? reason[..detail] : reason;
    }

    private static DateTimeOffset ParseStart(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return AlwaysFrom;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new CliException($"--effective-from '{text}' is not an ISO 8601 time (e.g. 2026-12-01T00:00:00Z)");
    }

    private static async Task<int> MissingAsync(ParseResult parse, CancellationToken ct)
    {
        var ledger = Configured(parse);
        var from = LedgerCommands.ParseTime(parse.GetValue(From)!, "--from");
        var to = LedgerCommands.ParseTime(parse.GetValue(To)!, "--to");
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var queries = new CostQueries(dataSource, ledger);
        var share = await queries.PricedShareAsync(from, to, ct);
        var missing = (await queries.IssuesAsync(from, to, ct)).Where(i => i.Kind == AllocationIssue.UnpricedUsage).ToList();
        AnsiConsole.MarkupLine(IssueTables.UnpricedLine(share));
        if (missing.Count == 0)
        {
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Models used without a price[/]");
        table.AddColumns("provider/model", "reason");
        table.AddColumn(new TableColumn("requests").RightAligned());
        table.AddColumn(new TableColumn("tokens").RightAligned());
        table.AddColumn(new TableColumn("hours").RightAligned());
        foreach (var m in missing)
        {
            table.AddRow(Markup.Escape(m.Subject), Markup.Escape(m.Reason), $"{m.Requests:N0}", $"{m.Tokens:N0}", $"{m.Hours:N0}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]price them with Ledger:Prices or `truecost prices import litellm`, or map the names with Ledger:Models / Ledger:Providers; then `truecost reallocate --from --to`[/]");
        return 0;
    }

    /// <summary>The one configuration's ledger options, with this command's <c>--schema</c> when given.</summary>
    private static LedgerOptions Configured(ParseResult parse) => Settings.Load(parse).WithSchema(parse.GetValue(Schema)).Ledger;

    private static string Day(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    private static string Money(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
