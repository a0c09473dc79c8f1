using System.Text;
using System.Text.Json;
using TrueCost.Ledger.Pricing;
using TrueCost.Reporting.Breakeven;
using TrueCost.Reporting.Rightsizing;

namespace TrueCost.UnitTests.Reporting;

public class GpuCatalogueTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("llama-3.1-8b-instruct", "8b")]
    [InlineData("llama-guard-3-8b", "8b")]
    [InlineData("llama-3.1-70b-instruct", "70b")]
    [InlineData("qwen2.5-32b", "70b")]
    [InlineData("gpt-4o-mini", null)]
    public void Size_class_comes_from_the_parameter_count_in_the_model_name(string model, string? size)
    {
        Assert.Equal(size, GpuCatalogue.SizeClassOf(model));
    }

    [Fact]
    public void Default_catalogue_picks_the_cheapest_gpu_per_token_for_each_size_class()
    {
        var catalogue = GpuCatalogue.Default();

        Assert.Equal("L40S", catalogue.CheapestFor(GpuCatalogue.Small, "USD")!.GpuClass);
        Assert.Equal("H100", catalogue.CheapestFor(GpuCatalogue.Large, "USD")!.GpuClass);
        Assert.All(catalogue.Offers, o => Assert.False(string.IsNullOrWhiteSpace(o.PriceSource)));
    }

    [Fact]
    public void A_json_file_replaces_the_defaults_and_bad_entries_are_refused_with_their_class()
    {
        var json = """[{ "gpu_class": "B200", "hourly_rate": 6.5, "currency": "USD", "price_source": "contract", "throughput": { "70b": { "tokens_per_second": 5000, "gpus_per_replica": 1, "source": "own load test" } } }]""";

        var catalogue = GpuCatalogue.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)), "gpus.json");
        var bad = Assert.Throws<InvalidDataException>(() => GpuCatalogue.Load(new MemoryStream(Encoding.UTF8.GetBytes(json.Replace("5000", "0", StringComparison.Ordinal))), "gpus.json"));

        Assert.Equal(6.5m, catalogue.Find("b200")!.ReplicaHourlyRate(GpuCatalogue.Large));
        Assert.Contains("gpus.json", bad.Message, StringComparison.Ordinal);
        Assert.Contains("B200", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_catalogue_round_trips_through_its_json_shape()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(GpuCatalogue.Default().Offers);

        var loaded = GpuCatalogue.Load(new MemoryStream(json), "default.json");

        Assert.Equal(1_728m, loaded.Find("H100")!.Throughput[GpuCatalogue.Large].TokensPerSecond);
    }

    [Fact]
    public void Quiet_hours_of_the_period_count_as_zero_traffic_for_a_route()
    {
        // One hour of traffic in a 24-hour period: 730/24 of it a month, and hours enough for the p25 baseline to be zero.
        RouteUsageHour[] usage = [new(Day.AddHours(14), "/chat", "openai", "gpt-4o-mini", "api", "", 2_400_000, 600_000, 0)];

        var route = Assert.Single(RouteBreakeven.Evaluate(usage, Day, 24, new Dictionary<string, string>(), GpuCatalogue.Default(), PriceCatalogue.Default(), new BreakevenOptions(), "USD"));

        Assert.Equal(Math.Round(3_000_000m * 730 / 24, 0), route.Result.MonthlyTokens);
        Assert.Equal(0m, route.Result.BaselineHourTokens);
        Assert.Equal("L40S", route.Result.Replica.GpuClass);
        Assert.Equal(BreakevenVerdict.StayOnApi, route.Result.Verdict);
        Assert.Equal("breakeven.stay_on_api", route.ToMessage().Kind);
    }

    [Fact]
    public void A_self_hosted_route_is_weighed_against_the_hosted_price_of_its_size_on_its_own_pool_class()
    {
        RouteUsageHour[] usage = [new(Day, "/plan", "vllm", "llama-3.1-70b-instruct", "self_hosted", "h100-pool", 1_000, 100, 50)];

        var route = Assert.Single(RouteBreakeven.Evaluate(usage, Day, 1, new Dictionary<string, string> { ["h100-pool"] = "H100" }, GpuCatalogue.Default(), PriceCatalogue.Default(), new BreakevenOptions(), "USD"));

        Assert.Equal(("H100", 2), (route.Result.Replica.GpuClass, route.Result.Replica.GpusPerReplica));
        Assert.Equal(0.88m, route.Result.BlendedApiPer1M);
        Assert.Equal(route.Result.SelfHost.Monthly - route.Result.Api.Monthly, route.MonthlySavings);
    }

    [Fact]
    public void Pool_profiles_take_the_largest_model_size_and_the_retry_tokens_routed_to_the_pool()
    {
        var hour = new PoolHour(Day, 2, 7200, 0, 0.5, 50, 0.4, 0, 0, 1_000, 2m);
        RouteUsageHour[] usage =
        [
            new(Day, "/a", "vllm", "llama-3.1-8b-instruct", "self_hosted", "mixed", 900, 100, 100),
            new(Day, "/b", "vllm", "llama-3.1-70b-instruct", "self_hosted", "mixed", 1_000, 0, 0),
            new(Day, "/c", "openai", "gpt-4o", "api", "", 5_000, 0, 5_000),
        ];

        var pool = Assert.Single(PoolProfiles.Build([new PoolHourRow("mixed", "H100", hour)], usage, GpuCatalogue.SizeClassOf, "USD"));

        Assert.Equal(("H100", GpuCatalogue.Large), (pool.GpuClass, pool.ModelSizeClass));
        Assert.Equal(new RetryUsage(2_000, 100), pool.Retries);
    }
}
