using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;

namespace TrueCost.Cli.Commands;

/// <summary><c>truecost config check [FILE]</c>: validates the configuration every process reads and prints the effective values.</summary>
public static class ConfigCommand
{
    private static readonly Argument<FileInfo?> File = new("file") { Description = "Configuration file (default: --config, $TRUECOST_CONFIG, ./truecost.json)", Arity = ArgumentArity.ZeroOrOne };

    private static readonly JsonSerializerOptions Printed = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Command Create()
    {
        var check = new Command("check", "Validate the configuration (file + environment) and print the effective values") { File };
        check.SetAction(parse =>
        {
            var settings = parse.GetValue(File) is { } file ? Settings.Load(file.FullName) : Settings.Load(parse);
            var prices = LedgerStore.LoadPrices(settings.Ledger);
            var rules = LedgerRules.From(settings.Ledger, prices);
            AnsiConsole.MarkupLine($"[green]configuration is valid[/] ({Markup.Escape(settings.Source ?? "no file: embedded defaults")} + environment)");
            AnsiConsole.MarkupLine($"  prices: catalogue {Markup.Escape(prices.Version)}, {prices.Prices.Count} entries ({settings.Ledger.Prices.Count} from the configuration)");
            AnsiConsole.MarkupLine($"  provider aliases: {rules.Providers.Aliases.Count} providers; model aliases: {rules.Models.Count}");
            AnsiConsole.MarkupLine($"  cost rules: {settings.Ledger.CostRules.Count} configured before the shipped ones; pool rules: {settings.Ledger.Pools.Count}; FX rates: {settings.Ledger.Fx.Count}");
            AnsiConsole.MarkupLine($"  reporting currency {settings.Ledger.Currency}, idle policy {settings.Ledger.IdlePolicy}");
            var alerts = settings.Governance.Alerts;
            AnsiConsole.MarkupLine(Markup.Escape(
                $"  governance: {settings.Governance.Budgets.Count} budget(s); alerts to {string.Join(", ", alerts.Webhooks.Select(w => $"{w.Name} ({w.Format}, {w.Url!.Host})").DefaultIfEmpty("no webhook"))}" +
                $"{(alerts.Email is null ? string.Empty : ", e-mail")} (webhook addresses and credentials are not printed)"));
            var governance = new { settings.Governance.Budgets, settings.Governance.Anomalies, settings.Governance.Forecast };
            Console.WriteLine(JsonSerializer.Serialize(new { settings.Ledger, settings.Ingest, settings.Ops, Reporting = new { settings.Findings }, Governance = governance }, Printed));
            return 0;
        });
        return new Command("config", "Inspect the configuration every truecost process reads") { check };
    }
}
