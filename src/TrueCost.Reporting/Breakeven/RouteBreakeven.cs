using TrueCost.Ledger.Pricing;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Breakeven;

/// <summary>One hour of one route's usage (summed over tenants and traffic classes), from usage_hourly.</summary>
public sealed record RouteUsageHour(DateTimeOffset Hour, string Route, string Provider, string Model, string ServingMode, string Pool, long InputTokens, long OutputTokens, long RetryTokens)
{
    public long Tokens => InputTokens + OutputTokens;
}

/// <summary>A hosted API's price for an open model of a size class: what a self-hosted route would pay if it moved.</summary>
public sealed class HostedPrice
{
    public decimal InputPer1M { get; set; }

    public decimal OutputPer1M { get; set; }

    public string Currency { get; set; } = "USD";

    public string Source { get; set; } = string.Empty;

    public ApiPrice ToApiPrice() => new(InputPer1M, OutputPer1M, Currency);
}

/// <summary>How routes are matched to the alternative they are weighed against; bound from "Reporting:Findings:Breakeven".</summary>
public sealed class BreakevenOptions
{
    public BreakevenAssumptions Assumptions { get; set; } = new();

    /// <summary>
    /// The open-model size class that could replace a hosted API model; a quality judgement, so it is
    /// configuration. Models not listed fall back to the parameter count in their name, then <see cref="DefaultSizeClass"/>.
    /// </summary>
    public Dictionary<string, string> SizeClassOfModel { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-4o-mini"] = GpuCatalogue.Small,
        ["gemini-2.0-flash"] = GpuCatalogue.Small,
        ["claude-haiku-3.5"] = GpuCatalogue.Small,
        ["gpt-4o"] = GpuCatalogue.Large,
        ["claude-sonnet-4"] = GpuCatalogue.Large,
    };

    public string DefaultSizeClass { get; set; } = GpuCatalogue.Large;

    /// <summary>Hosted prices for open models, per size class (Together AI's Llama 3.1 Instruct Turbo list prices).</summary>
    public Dictionary<string, HostedPrice> HostedPriceOfSizeClass { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [GpuCatalogue.Small] = new() { InputPer1M = 0.18m, OutputPer1M = 0.18m, Source = "Together AI, Meta-Llama-3.1-8B-Instruct-Turbo (getmaxim.ai/bifrost/model-library/compare/together_ai/meta-llama-3.1-8b-instruct-turbo)" },
        [GpuCatalogue.Large] = new() { InputPer1M = 0.88m, OutputPer1M = 0.88m, Source = "Together AI, Meta-Llama-3.1-70B-Instruct-Turbo (getmaxim.ai/bifrost/llm-cost-calculator/provider/together_ai/model/meta-llama-3.1-70b-instruct-turbo)" },
    };

    public string SizeClassFor(string model) =>
        SizeClassOfModel.TryGetValue(model, out var size) ? size : GpuCatalogue.SizeClassOf(model) ?? DefaultSizeClass;
}

/// <summary>A route's breakeven against the alternative to how it is served now.</summary>
public sealed record RouteBreakeven(string Route, string Model, string ServingMode, string Pool, string Alternative, BreakevenResult Result)
{
    private const string SelfHosted = "self_hosted";

    public bool IsSelfHostedNow => ServingMode == SelfHosted;

    /// <summary>What following the verdict saves per month against serving the route as it is served now.</summary>
    public decimal MonthlySavings => Math.Max(0m, (IsSelfHostedNow ? Result.SelfHost.Monthly : Result.Api.Monthly) - Result.Chosen.Monthly);

    public string Kind => Result.Verdict switch
    {
        BreakevenVerdict.SelfHost => "breakeven.self_host",
        BreakevenVerdict.Hybrid => "breakeven.hybrid",
        _ => "breakeven.stay_on_api",
    };

    public FindingRaised ToMessage()
    {
        var evidence = new Dictionary<string, string>(Result.Evidence(), StringComparer.Ordinal)
        {
            ["route"] = Route,
            ["model"] = Model,
            ["serving_mode"] = ServingMode,
            ["pool"] = Pool,
            ["compared_with"] = Alternative,
        };
        return new FindingRaised(Kind, $"route {Route} ({Model})", $"{Route} ({Model}, now {ServingMode}): {Result.Summary}", MonthlySavings, Result.Currency, evidence);
    }

    /// <summary>
    /// Breakeven for every route × model in the usage rows over <paramref name="hours"/> hours from
    /// <paramref name="start"/> (hours without usage count as zero). API routes are weighed against
    /// the cheapest catalogue GPU for their replacement's size class; self-hosted routes against
    /// their pool's GPU class and the hosted price of their size class. Routes whose price or GPU
    /// is unknown, or in another currency, are left out rather than guessed.
    /// </summary>
    public static IReadOnlyList<RouteBreakeven> Evaluate(
        IEnumerable<RouteUsageHour> usage,
        DateTimeOffset start,
        int hours,
        IReadOnlyDictionary<string, string> poolGpuClass,
        GpuCatalogue catalogue,
        PriceCatalogue prices,
        BreakevenOptions options,
        string currency)
    {
        var results = new List<RouteBreakeven>();
        foreach (var route in usage.GroupBy(u => (u.Route, u.Provider, u.Model, u.ServingMode, u.Pool)).OrderBy(g => g.Key.Route, StringComparer.Ordinal).ThenBy(g => g.Key.Model, StringComparer.Ordinal))
        {
            var (name, provider, model, serving, pool) = route.Key;
            var size = options.SizeClassFor(model);
            var self = serving == SelfHosted;
            var offer = self && poolGpuClass.TryGetValue(pool, out var gpuClass) && catalogue.Find(gpuClass) is { } own && own.Throughput.ContainsKey(size)
                ? own
                : catalogue.CheapestFor(size, currency);
            var api = self
                ? options.HostedPriceOfSizeClass.GetValueOrDefault(size)?.ToApiPrice()
                : prices.Find(provider, model, start.AddHours(hours).AddTicks(-1)) is { } p ? new ApiPrice(p.InputPer1M, p.OutputPer1M, p.Currency) : null;
            if (offer is null || api is null || api.Currency != currency || offer.Currency != currency)
            {
                continue;
            }

            var tokens = new long[hours];
            foreach (var u in route)
            {
                var index = (int)((u.Hour - start).Ticks / TimeSpan.TicksPerHour);
                if (index >= 0 && index < hours)
                {
                    tokens[index] += u.Tokens;
                }
            }

            var total = route.Sum(u => u.Tokens);
            var outputShare = total == 0 ? 0m : (decimal)route.Sum(u => u.OutputTokens) / total;
            var alternative = self ? $"hosted {size} API" : $"self-hosted {size} on {offer.GpuClass}";
            var result = BreakevenCalculator.Calculate(TrafficProfile.FromHours(tokens, outputShare), api, ReplicaChoice.From(offer, size), options.Assumptions);
            results.Add(new RouteBreakeven(name, model, serving, pool, alternative, result));
        }

        return results;
    }
}
