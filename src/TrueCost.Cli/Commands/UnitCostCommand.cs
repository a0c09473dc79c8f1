using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ledger.UnitEconomics;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost unit-cost</c>: what a million tokens cost on a GPU billed by the hour, at a utilization and
/// an overhead. <c>--json</c> prints one object for scripts: amounts in USD, rounded to 4 decimals.
/// </summary>
public static class UnitCostCommand
{
    private const int Decimals = 4;
    private const string Currency = "USD";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    // Numbers are read as text and parsed here, so a value that is not a number fails like any other bad
    // input ("error: …", exit 2) instead of as a parser error with its own exit code.
    private static readonly Option<string?> GpuHourly = new("--gpu-hourly") { Description = "What the GPU (or node) costs per hour, in USD (required)" };
    private static readonly Option<string?> TokensPerSecond = new("--tokens-per-second") { Description = "Tokens (input + output) it serves per second when fully busy (required)" };
    private static readonly Option<string?> Utilization = new("--utilization") { Description = "Share of the hour it is busy, in (0, 1]", DefaultValueFactory = _ => "1" };
    private static readonly Option<string?> Overhead = new("--overhead") { Description = "Cost on top of the GPU as a fraction in [0, 5]: power, networking, operations (0.30 adds 30 %)", DefaultValueFactory = _ => "0.30" };
    private static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object (USD, rounded to 4 decimals) instead of a table" };

    public static Command Create()
    {
        var command = new Command("unit-cost", "Cost per 1M tokens of a GPU billed by the hour: $/hour ÷ (tokens/s × utilization × 3600) × 10⁶")
        {
            GpuHourly, TokensPerSecond, Utilization, Overhead, Json,
        };
        command.SetAction(parse => Run(parse));
        return command;
    }

    private static int Run(ParseResult parse)
    {
        var gpuHourly = Number(parse, GpuHourly);
        var tokensPerSecond = Number(parse, TokensPerSecond);
        var utilization = Number(parse, Utilization);
        var overhead = Number(parse, Overhead);
        TokenUnitCost cost;
        try
        {
            cost = UnitCost.PerMillionTokens(gpuHourly, tokensPerSecond, utilization, overhead);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }

        if (parse.GetValue(Json))
        {
            var json = new JsonObject
            {
                ["cost_per_1m_tokens"] = Math.Round(cost.PerMillionTokens, Decimals),
                ["cost_per_1m_tokens_with_overhead"] = Math.Round(cost.PerMillionTokensWithOverhead, Decimals),
                ["currency"] = Currency,
                ["inputs"] = new JsonObject
                {
                    ["gpu_hourly"] = gpuHourly,
                    ["tokens_per_second"] = tokensPerSecond,
                    ["utilization"] = utilization,
                    ["overhead"] = overhead,
                },
            };
            Console.Out.WriteLine(json.ToJsonString(Indented));
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Cost per 1M tokens[/]").HideHeaders();
        table.AddColumn("what");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("GPU cost per hour", Money(gpuHourly));
        table.AddRow("tokens/s when busy", tokensPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("utilization", utilization.ToString("P0", CultureInfo.InvariantCulture));
        table.AddRow("effective tokens/s", cost.EffectiveTokensPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("[bold]per 1M tokens[/]", $"[bold]{Money(cost.PerMillionTokens)}[/]");
        table.AddRow($"[bold]with {overhead.ToString("P0", CultureInfo.InvariantCulture)} overhead[/]", $"[bold]{Money(cost.PerMillionTokensWithOverhead)}[/]");
        AnsiConsole.Write(table);
        return 0;
    }

    private static decimal Number(ParseResult parse, Option<string?> option)
    {
        var text = parse.GetValue(option);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CliException($"{option.Name} is required");
        }

        return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliException($"{option.Name} '{text}' is not a number (write it like 1.50 or 1,500)");
    }

    private static string Money(decimal amount) => $"{Math.Round(amount, Decimals).ToString("0.00##", CultureInfo.InvariantCulture)} {Currency}";
}
