using TrueCost.Ledger.RequestLogs;

namespace TrueCost.UnitTests.Ledger;

public class UsageHourlyTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Requests_of_one_key_and_hour_sum_into_one_row_with_tokens_by_class()
    {
        var rows = UsageHourly.Aggregate(
            [
                Request("a", Hour.AddMinutes(1), input: 1_000_000, output: 0) with { CachedInputTokens = 400_000, CacheCreationTokens = 100_000 },
                Request("b", Hour.AddMinutes(59), input: 0, output: 1_000_000, status: "error") with { ReasoningTokens = 300_000 },
            ]);

        var (key, totals) = Assert.Single(rows);
        Assert.Equal(Hour, key.Hour);
        Assert.Equal(2, totals.Requests);
        Assert.Equal(1, totals.Errors);
        Assert.Equal((1_000_000, 400_000, 100_000, 1_000_000, 300_000), (totals.InputTokens, totals.CachedInputTokens, totals.CacheCreationTokens, totals.OutputTokens, totals.ReasoningTokens));
    }

    [Fact]
    public void A_request_is_kept_under_its_response_model_with_the_request_model_beside_it()
    {
        var rows = UsageHourly.Aggregate(
            [Request("a", Hour, 10, 10) with { ResponseModel = "gpt-4o-mini-2024-07-18" }, Request("b", Hour, 10, 10)]);

        Assert.Equal(
            [("gpt-4o-mini", "gpt-4o-mini"), ("gpt-4o-mini-2024-07-18", "gpt-4o-mini")],
            rows.Keys.Select(k => (k.Model, k.RequestModel)).Order());
    }

    [Fact]
    public void Retries_count_their_tokens_as_retry_waste()
    {
        var rows = UsageHourly.Aggregate(
            [Request("a", Hour, 100, 0, status: "timeout"), Request("a-r2", Hour, 100, 50) with { Attempt = 2, RetryOf = "a" }]);

        var totals = Assert.Single(rows).Value;
        Assert.Equal(1, totals.Retries);
        Assert.Equal(150, totals.RetryTokens);
        Assert.Equal(1, totals.Timeouts);
    }

    [Fact]
    public void Requests_in_different_hours_land_in_different_rows()
    {
        var rows = UsageHourly.Aggregate([Request("a", Hour.AddTicks(-1), 1, 1), Request("b", Hour, 1, 1)]);

        Assert.Equal([Hour.AddHours(-1), Hour], rows.Keys.Select(k => k.Hour).Order());
    }

    [Fact]
    public void Reported_costs_sum_over_the_requests_that_reported_one_and_stay_null_where_none_did()
    {
        var rows = UsageHourly.Aggregate(
            [
                Request("a", Hour, 10, 10) with { ReportedCost = 0.000225m },
                Request("b", Hour, 10, 10),
                Request("c", Hour, 10, 10) with { ReportedCost = 0m },
                Request("d", Hour.AddHours(1), 10, 10),
            ]);

        Assert.Equal(0.000225m, rows.Single(r => r.Key.Hour == Hour).Value.ReportedCost);
        Assert.Null(rows.Single(r => r.Key.Hour == Hour.AddHours(1)).Value.ReportedCost);
    }

    internal static RecordedRequest Request(string id, DateTimeOffset at, long input, long output, string status = "ok") =>
        new(id, at, "/chat", "t1", "openai", "gpt-4o-mini", "api", null, "interactive", status, 1, null, input, output, 0, 100, 10, 4, 4);
}
