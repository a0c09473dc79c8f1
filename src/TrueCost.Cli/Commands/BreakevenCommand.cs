using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Reporting.Breakeven;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost breakeven</c>: the what-if calculator for a route that does not exist yet — API vs
/// self-host vs hybrid for evenly spread traffic. Needs no infrastructure.
/// </summary>
public static class BreakevenCommand
{
    private static readonly BreakevenAssumptions Defaults = new();

    private static readonly Option<decimal> MonthlyTokens = new("--monthly-tokens") { Description = "Tokens per month (input + output)", Required = true };
    private static readonly Option<decimal> InputPrice = new("--api-input-price") { Description = "API price per 1M input tokens (USD)", Required = true };
    private static readonly Option<decimal> OutputPrice = new("--api-output-price") { Description = "API price per 1M output tokens (USD)", Required = true };
    private static readonly Option<decimal> OutputShare = new("--output-share") { Description = "Share of tokens that are output", DefaultValueFactory = _ => 0.25m };
    private static readonly Option<decimal> GpuHourly = new("--gpu-hourly") { Description = "USD per hour of one serving replica (all its GPUs)", Required = true };
    private static readonly Option<decimal> TokensPerSecond = new("--tokens-per-second") { Description = "Sustained tokens/s of one replica", Required = true };
    private static readonly Option<decimal> Utilization = new("--utilization") { Description = "Planned utilization of a replica at peak (0..1)", DefaultValueFactory = _ => Defaults.UtilizationTarget };
    private static readonly Option<decimal> Overhead = new("--overhead") { Description = "Ops overhead on GPU rent (0.2–0.4 typical)", DefaultValueFactory = _ => Defaults.OpsOverhead };
    private static readonly Option<decimal> FteMonthly = new("--fte-monthly") { Description = "Engineering cost per month of owning the stack (USD)", DefaultValueFactory = _ => Defaults.EngineeringMonthly };
    private static readonly Option<decimal> DeploymentCost = new("--deployment-cost") { Description = "One-time deployment cost (USD)", DefaultValueFactory = _ => Defaults.DeploymentCost };
    private static readonly Option<bool> Json = new("--json") { Description = "Print the result as JSON" };

    private static readonly JsonSerializerOptions JsonOutput = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command Create()
    {
        var command = new Command("breakeven", "API vs self-host vs hybrid for a monthly token volume: breakeven volume, payback and 3-year TCO")
        {
            MonthlyTokens, InputPrice, OutputPrice, OutputShare, GpuHourly, TokensPerSecond, Utilization, Overhead, FteMonthly, DeploymentCost, Json,
        };
        command.SetAction(parse => Run(parse));
        return command;
    }

    private static int Run(ParseResult parse)
    {
        BreakevenResult result;
        try
        {
            var assumptions = new BreakevenAssumptions
            {
                UtilizationTarget = parse.GetValue(Utilization),
                OpsOverhead = parse.GetValue(Overhead),
                EngineeringMonthly = parse.GetValue(FteMonthly),
                DeploymentCost = parse.GetValue(DeploymentCost),
            };
            var monthly = parse.GetValue(MonthlyTokens);
            if (monthly < 0)
            {
                throw new ArgumentException($"--monthly-tokens {monthly} must not be negative");
            }

            result = BreakevenCalculator.Calculate(
                TrafficProfile.Flat(monthly, parse.GetValue(OutputShare)),
                new ApiPrice(parse.GetValue(InputPrice), parse.GetValue(OutputPrice), "USD"),
                new ReplicaChoice("GPU", parse.GetValue(GpuHourly), parse.GetValue(TokensPerSecond), 1, "USD"),
                assumptions);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }

        if (parse.GetValue(Json))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(ToJson(result), JsonOutput));
            return 0;
        }

        Print(result);
        return 0;
    }

    private static object ToJson(BreakevenResult r) => new
    {
        Verdict = r.Verdict.ToString(),
        r.Currency,
        r.MonthlyTokens,
        RequiredReplicas = r.SelfHost.Replicas,
        r.ReplicaCapacityPerHour,
        ApiPerMillionTokens = r.BlendedApiPer1M,
        SelfHostPerMillionTokens = r.SelfHostPer1M,
        SelfHostGpuPerMillionTokens = r.SelfHostGpuPer1M,
        r.SelfHostIdleShare,
        r.BreakevenMonthlyTokens,
        r.Summary,
        Options = new { r.Api, r.SelfHost, r.Hybrid },
        Assumptions = r.Assumptions,
    };

    private static void Print(BreakevenResult r)
    {
        var table = new Table().Title($"Breakeven — {r.MonthlyTokens:N0} tokens/month").AddColumns("option", "per month", "one-time", $"{r.Assumptions.HorizonMonths}-month TCO", "payback (months)", "replicas", "API share");
        table.AddRow(Row("API only", r.Api));
        table.AddRow(Row("self-host", r.SelfHost));
        if (r.Hybrid is { } hybrid)
        {
            table.AddRow(Row("hybrid", hybrid));
        }

        foreach (var column in table.Columns.Skip(1))
        {
            column.RightAligned();
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Verdict: [bold]{r.Verdict}[/] — {Markup.Escape(r.Summary)}");
        AnsiConsole.MarkupLine(r.BreakevenMonthlyTokens is { } v
            ? $"Self-hosting and the API cost the same at [bold]{v:N0}[/] tokens/month."
            : "Self-hosting never costs less than the API at this price and throughput.");
        AnsiConsole.MarkupLine($"[grey]API {r.BlendedApiPer1M:N4} {r.Currency} per 1M tokens; self-host {r.SelfHostPer1M:N4} per 1M at this volume, {r.SelfHostIdleShare:P0} of its capacity idle; " +
            $"replica {r.ReplicaCapacityPerHour:N0} tokens/h at {r.Assumptions.UtilizationTarget:P0}; overhead {r.Assumptions.OpsOverhead:P0}; engineering {r.Assumptions.EngineeringMonthly:N0}/month[/]");
    }

    private static string[] Row(string name, OptionCost o) =>
    [
        name, $"{o.Monthly:N2}", $"{o.OneTime:N2}", $"{o.TotalCostOfOwnership:N2}", o.PaybackMonths is { } p ? $"{p:N1}" : "—", $"{o.Replicas}", $"{o.ApiShare:P0}",
    ];
}
