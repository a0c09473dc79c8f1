using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.RequestLogs;

namespace TrueCost.UnitTests.Ledger;

public class UsageHourlyTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Requests_of_one_key_and_hour_sum_into_one_row_priced_from_the_catalogue()
    {
        var rows = UsageHourly.Aggregate(
            [
                Request("a", Hour.AddMinutes(1), input: 1_000_000, output: 0),
                Request("b", Hour.AddMinutes(59), input: 0, output: 1_000_000, status: "error"),
            ],
            PriceCatalogue.Default());

        var (key, totals) = Assert.Single(rows);
        Assert.Equal(Hour, key.Hour);
        Assert.Equal(2, totals.Requests);
        Assert.Equal(1, totals.Errors);
        Assert.Equal(0.15m + 0.60m, totals.ApiCost);
    }

    [Fact]
    public void Retries_count_their_tokens_as_retry_waste()
    {
        var rows = UsageHourly.Aggregate(
            [Request("a", Hour, 100, 0, status: "timeout"), Request("a-r2", Hour, 100, 50) with { Attempt = 2, RetryOf = "a" }],
            PriceCatalogue.Default());

        var totals = Assert.Single(rows).Value;
        Assert.Equal(1, totals.Retries);
        Assert.Equal(150, totals.RetryTokens);
        Assert.Equal(1, totals.Timeouts);
    }

    [Fact]
    public void Self_hosted_requests_carry_no_token_price_and_unknown_api_models_are_counted_as_unpriced()
    {
        var rows = UsageHourly.Aggregate(
            [
                Request("s", Hour, 100, 100) with { ServingMode = "self_hosted", GpuPool = "h100", Provider = "vllm", Model = "llama" },
                Request("u", Hour, 100, 100) with { Model = "not-in-catalogue" },
            ],
            PriceCatalogue.Default());

        Assert.All(rows.Values, t => Assert.Equal(0m, t.ApiCost));
        Assert.Equal("h100", rows.Keys.Single(k => k.ServingMode == "self_hosted").GpuPool);
        Assert.Equal(1, rows.Single(r => r.Key.Model == "not-in-catalogue").Value.UnpricedRequests);
    }

    [Fact]
    public void Requests_in_different_hours_land_in_different_rows()
    {
        var rows = UsageHourly.Aggregate([Request("a", Hour.AddTicks(-1), 1, 1), Request("b", Hour, 1, 1)], PriceCatalogue.Default());

        Assert.Equal([Hour.AddHours(-1), Hour], rows.Keys.Select(k => k.Hour).Order());
    }

    internal static RecordedRequest Request(string id, DateTimeOffset at, long input, long output, string status = "ok") =>
        new(id, at, "/chat", "t1", "openai", "gpt-4o-mini", "api", null, "interactive", status, 1, null, input, output, 0, 100, 10, 4, 4);
}
