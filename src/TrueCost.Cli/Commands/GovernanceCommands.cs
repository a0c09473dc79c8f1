using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Cli.Output;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost budgets add|list|remove|status</c> (budgets in the configuration file's Governance:Budgets),
/// <c>truecost anomalies --from --to</c> and <c>truecost forecast</c>, computed from the ledger as the API does.
/// </summary>
public static class GovernanceCommands
{
    private static readonly Option<string> Name = new("--name") { Description = "The budget's name (unique, no spaces)", Required = true };
    private static readonly Option<decimal> Amount = new("--amount") { Description = "The amount per period, in the reporting currency (Ledger:Currency)", Required = true };
    private static readonly Option<BudgetPeriodKind> Period = new("--period") { Description = "Day, Week (ISO, from Monday) or Month", DefaultValueFactory = _ => BudgetPeriodKind.Month };
    private static readonly Option<int> StartDay = new("--start-day") { Description = "The day of the month a monthly period starts on (1..28)", DefaultValueFactory = _ => 1 };
    private static readonly Option<string?> Tenant = new("--tenant") { Description = "Only this tenant's cost" };
    private static readonly Option<string?> Route = new("--route") { Description = "Only this route's cost" };
    private static readonly Option<string?> Model = new("--model") { Description = "Only this model's cost" };
    private static readonly Option<string?> TrafficClass = new("--traffic-class") { Description = "Only this traffic class's cost" };
    private static readonly Option<string?> Provider = new("--provider") { Description = "Only the cost of models this provider served" };
    private static readonly Option<string> Bucket = new Option<string>("--bucket") { Description = "One cost bucket, or total (every bucket and idle)", DefaultValueFactory = _ => "total" }
        .AcceptOnlyFromAmong([.. BudgetScope.Buckets]);

    private static readonly Option<decimal[]> Thresholds = new("--thresholds") { Description = "Percents of the amount that notify on the actual cost (default 50 80 100)", AllowMultipleArgumentsPerToken = true };
    private static readonly Option<decimal[]> ForecastThresholds = new("--forecast-thresholds") { Description = "Percents that notify on the period-end forecast (default 100)", AllowMultipleArgumentsPerToken = true };
    private static readonly Option<bool> Hard = new("--hard") { Description = "Also publish BudgetExceeded at 100 % for a gateway to act on" };
    private static readonly Option<string?> From = new("--from") { Description = "Start, a UTC day (2026-11-10) or hour (2026-11-10T08:00Z) (default: 7 days before --to)" };
    private static readonly Option<string?> To = new("--to") { Description = "End, exclusive (default: the current hour)" };
    private static readonly Option<int> Horizon = new("--horizon") { Description = "Days to forecast after the last complete day (1..90)", DefaultValueFactory = _ => 30 };

    public static Command Budgets()
    {
        var add = new Command("add", "Add a budget to the configuration file (the reporting worker and the API read it at start)")
        {
            Name, Amount, Period, StartDay, Tenant, Route, Model, TrafficClass, Provider, Bucket, Thresholds, ForecastThresholds, Hard,
        };
        add.SetAction(parse =>
        {
            var file = ConfigFile.Path(parse);
            var root = ConfigFile.Read(file, "Governance:Budgets");
            var scope = new JsonObject { ["Bucket"] = parse.GetValue(Bucket) };
            foreach (var (key, option) in new[] { ("Tenant", Tenant), ("Route", Route), ("Model", Model), ("TrafficClass", TrafficClass), ("Provider", Provider) })
            {
                if (parse.GetValue(option) is { } value)
                {
                    scope[key] = value;
                }
            }

            var budget = new JsonObject
            {
                ["Name"] = parse.GetValue(Name),
                ["Amount"] = parse.GetValue(Amount),
                ["Period"] = parse.GetValue(Period).ToString(),
                ["StartDay"] = parse.GetValue(StartDay),
                ["Scope"] = scope,
                ["Thresholds"] = new JsonArray([.. (parse.GetValue(Thresholds) ?? []).Select(t => JsonValue.Create(t))]),
                ["ForecastThresholds"] = new JsonArray([.. (parse.GetValue(ForecastThresholds) ?? []).Select(t => JsonValue.Create(t))]),
                ["Hard"] = parse.GetValue(Hard),
            };
            ConfigFile.Array(root, GovernanceOptions.Section, nameof(GovernanceOptions.Budgets)).Add(budget);
            var options = Validate(root);
            ConfigFile.Write(file, root);
            var added = options.Budgets[^1];
            AnsiConsole.MarkupLine($"[green]added[/] budget [bold]{Markup.Escape(added.Name)}[/]: {Markup.Escape(Describe(added))} to {Markup.Escape(file)}");
            AnsiConsole.MarkupLine("Restart the reporting worker and the API to use it.");
            return 0;
        });

        var list = new Command("list", "List the configured budgets");
        list.SetAction(parse =>
        {
            var settings = Settings.Load(parse);
            var table = new Table().AddColumns("name", "budget", "thresholds (actual; forecast)");
            foreach (var b in settings.Governance.Budgets)
            {
                table.AddRow(Markup.Escape(b.Name), Markup.Escape(Describe(b)),
                    Markup.Escape($"{string.Join(", ", b.ActualThresholds.Select(Pct))}; {string.Join(", ", b.ForecastThresholdsInUse.Select(Pct))}"));
            }

            if (settings.Governance.Budgets.Count == 0)
            {
                AnsiConsole.MarkupLine($"no budgets in {Markup.Escape(settings.Source ?? "the environment")}; add one with `truecost budgets add`");
                return 0;
            }

            AnsiConsole.MarkupLine($"budgets in {Markup.Escape(settings.Source ?? "the environment")}:");
            AnsiConsole.Write(table);
            return 0;
        });

        var remove = new Command("remove", "Remove a budget from the configuration file") { Name };
        remove.SetAction(parse =>
        {
            var file = ConfigFile.Path(parse);
            var root = ConfigFile.Read(file, "Governance:Budgets");
            var budgets = ConfigFile.Array(root, GovernanceOptions.Section, nameof(GovernanceOptions.Budgets));
            var name = parse.GetValue(Name)!;
            var found = budgets.OfType<JsonObject>().FirstOrDefault(b => b["Name"]?.GetValue<string>() == name)
                ?? throw new CliException($"{file} has no budget named '{name}'");
            budgets.Remove(found);
            ConfigFile.Write(file, root);
            AnsiConsole.MarkupLine($"[green]removed[/] budget [bold]{Markup.Escape(name)}[/] from {Markup.Escape(file)}; restart the reporting worker and the API");
            return 0;
        });

        var status = new Command("status", "Each budget's current period from the ledger: actual, percent used, forecast, thresholds, unpriced usage") { Endpoints.Postgres };
        status.SetAction(async (parse, ct) =>
        {
            var (settings, ledger, dataSource) = await OpenAsync(parse, ct);
            await using var _ = dataSource;
            var tracker = new BudgetTracker(ledger, settings.Governance.Forecast);
            var statuses = await tracker.StatusesAsync(settings.Governance.Budgets, DateTimeOffset.UtcNow, tenant: null, ct);

            AnsiConsole.Write(GovernanceTables.Budgets(statuses));
            return 0;
        });

        return new Command("budgets", "Manage budgets and see where they stand") { add, list, remove, status };
    }

    public static Command Anomalies()
    {
        var command = new Command("anomalies", "Cost anomalies (hourly and daily, per tenant, route, model and bucket) with their cost impact") { From, To, Tenant, Endpoints.Postgres };
        command.SetAction(async (parse, ct) =>
        {
            var to = LedgerCommands.ParseHour(parse.GetValue(To), "--to") ?? Ledger.Time.UtcHour.Floor(DateTimeOffset.UtcNow);
            var from = LedgerCommands.ParseHour(parse.GetValue(From), "--from") ?? to.AddDays(-7);
            if (to <= from)
            {
                throw new CliException($"--to {to:u} must be after --from {from:u}");
            }

            var (settings, ledger, dataSource) = await OpenAsync(parse, ct);
            await using var _ = dataSource;

            var anomalies = await new GovernanceViews(ledger, settings.Governance).AnomaliesAsync(from, to, parse.GetValue(Tenant), ct);
            AnsiConsole.Write(GovernanceTables.Anomalies(anomalies, settings.Ledger.Currency, $"{from:yyyy-MM-dd HH:00}Z – {to:yyyy-MM-dd HH:00}Z"));
            if (anomalies.Count == 0)
            {
                AnsiConsole.WriteLine((await ledger.ExtentAsync(parse.GetValue(Tenant), ct)).Explain(from, to));
            }

            return 0;
        });
        return command;
    }

    public static Command Forecast()
    {
        var command = new Command("forecast", "Month-end forecast with its 80 % band per tenant, route, model and bucket, and the next days") { Horizon, Tenant, Endpoints.Postgres };
        command.SetAction(async (parse, ct) =>
        {
            var horizon = parse.GetValue(Horizon);
            if (horizon is < 1 or > 90)
            {
                throw new CliException($"--horizon {horizon} is outside 1..90");
            }

            var (settings, ledger, dataSource) = await OpenAsync(parse, ct);
            await using var _ = dataSource;
            var now = DateTimeOffset.UtcNow;
            var forecasts = await new GovernanceViews(ledger, settings.Governance).ForecastsAsync(now, horizon, parse.GetValue(Tenant), ct);
            AnsiConsole.Write(GovernanceTables.MonthEnd(forecasts, settings.Ledger.Currency));
            if (forecasts.Count == 0)
            {
                var history = Ledger.Time.UtcHour.Floor(now).AddDays(-settings.Governance.Forecast.HistoryDays);
                AnsiConsole.WriteLine($"no series to forecast from the {settings.Governance.Forecast.HistoryDays} days before today: " +
                    (await ledger.ExtentAsync(parse.GetValue(Tenant), ct)).Explain(history, Ledger.Time.UtcHour.Floor(now)));
            }

            return 0;
        });
        return command;
    }

    private static async Task<(Settings Settings, GovernanceLedger Ledger, NpgsqlDataSource DataSource)> OpenAsync(ParseResult parse, CancellationToken ct)
    {
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        var settings = Settings.Load(parse);
        var dataSource = NpgsqlDataSource.Create(postgres);
        return (settings, new GovernanceLedger(dataSource, settings.Ledger), dataSource);
    }

    private static GovernanceOptions Validate(JsonObject root)
    {
        try
        {
            var options = GovernanceOptions.Bind(ConfigFile.AsConfiguration(root));
            options.Validate();
            return options;
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static string Describe(BudgetDefinition b) =>
        string.Create(CultureInfo.InvariantCulture, $"{b.Amount:N2} per {b.Period.ToString().ToLowerInvariant()}{(b.Period == BudgetPeriodKind.Month && b.StartDay != 1 ? $" from day {b.StartDay}" : string.Empty)}, {b.Scope}{(b.Hard ? ", hard" : string.Empty)}");

    private static string Pct(decimal p) => string.Create(CultureInfo.InvariantCulture, $"{p:0.##} %");
}
