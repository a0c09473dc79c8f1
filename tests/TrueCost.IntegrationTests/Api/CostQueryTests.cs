using System.Text.Json;
using TrueCost.IntegrationTests.Infrastructure;

namespace TrueCost.IntegrationTests.Api;

[Collection("infrastructure")]
public sealed class CostQueryTests(InfrastructureFixture infra)
{
    [Fact]
    public async Task Every_combination_of_dimensions_groups_and_sums_the_rows_to_the_cent()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        var combinations = Enumerable.Range(1, (1 << KnownCosts.Dimensions.Length) - 1)
            .Select(mask => KnownCosts.Dimensions.Where((_, i) => (mask & (1 << i)) != 0).ToArray());

        foreach (var groupBy in combinations)
        {
            var page = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by={string.Join(',', groupBy)}&page_size=1000");

            var expected = KnownCosts.Grouped(KnownCosts.InRange, groupBy);
            Assert.Equal(groupBy, page.GetProperty("group_by").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(expected.Count, page.GetProperty("total_rows").GetInt64());
            var actual = CostJson.Groups(page, groupBy);
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
            Assert.All(expected, e => Assert.Equal(e.Value, actual[e.Key]));
            Assert.Equal(KnownCosts.Totals(KnownCosts.InRange), CostJson.Amounts(page.GetProperty("totals")));
        }
    }

    [Fact]
    public async Task Route_is_the_default_grouping_and_the_response_states_range_and_currency()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);

        var page = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}");

        Assert.Equal(["route"], page.GetProperty("group_by").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("USD", page.GetProperty("currency").GetString());
        Assert.Equal(KnownCosts.From, page.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(KnownCosts.To, page.GetProperty("to").GetDateTimeOffset());
        Assert.Equal(1, page.GetProperty("page").GetInt32());
        Assert.Equal(100, page.GetProperty("page_size").GetInt32());
        Assert.All(page.GetProperty("rows").EnumerateArray(), row =>
        {
            Assert.Equal(KnownCosts.Money.Concat(KnownCosts.Counts).Append("route").Order(StringComparer.Ordinal), row.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.All(KnownCosts.Money, m => Assert.Equal(JsonValueKind.Number, row.GetProperty(m).ValueKind));
        });
    }

    [Fact]
    public async Task Filters_narrow_both_the_rows_and_the_totals()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);

        var page = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=hour,tenant&route=search,%20v2&model=gpt-4o&traffic_class=batch");

        var source = KnownCosts.InRange.Where(r => r.Route == "search, v2" && r.Model == "gpt-4o" && r.TrafficClass == "batch").ToList();
        Assert.Equal(9, source.Count);
        var actual = CostJson.Groups(page, ["hour", "tenant"]);
        var expected = KnownCosts.Grouped(source, ["hour", "tenant"]);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, e => Assert.Equal(e.Value, actual[e.Key]));
        Assert.Equal(KnownCosts.Totals(source), CostJson.Amounts(page.GetProperty("totals")));
    }

    [Fact]
    public async Task Pages_split_the_ordered_groups_and_every_page_carries_the_count_and_the_totals_of_all()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        var groupBy = new[] { "route", "tenant", "model" };
        var all = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=route,tenant,model&page_size=1000");
        var ordered = all.GetProperty("rows").EnumerateArray().Select(r => CostJson.Key(r, groupBy)).ToList();
        Assert.Equal(14, ordered.Count);

        var second = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=route,tenant,model&page=2&page_size=5");
        var last = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=route,tenant,model&page=3&page_size=5");
        var beyond = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=route,tenant,model&page=4&page_size=5");

        Assert.Equal(ordered.Skip(5).Take(5), second.GetProperty("rows").EnumerateArray().Select(r => CostJson.Key(r, groupBy)));
        Assert.Equal(ordered.Skip(10), last.GetProperty("rows").EnumerateArray().Select(r => CostJson.Key(r, groupBy)));
        Assert.Empty(beyond.GetProperty("rows").EnumerateArray());
        foreach (var page in new[] { second, last, beyond })
        {
            Assert.Equal(14, page.GetProperty("total_rows").GetInt64());
            Assert.Equal(5, page.GetProperty("page_size").GetInt32());
            Assert.Equal(KnownCosts.Totals(KnownCosts.InRange), CostJson.Amounts(page.GetProperty("totals")));
        }
    }

    [Fact]
    public async Task Bad_parameters_get_a_400_problem_naming_the_parameter_and_its_value()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        const string Range = "from=2026-03-02T00:00:00Z&to=2026-03-02T03:00:00Z";
        (string Query, string Parameter, string Mentioned)[] cases =
        [
            ("from=2026-03-02T00:30:00Z&to=2026-03-02T03:00:00Z", "from", "'2026-03-02T00:30:00Z' is not the start of an hour"),
            ("from=2026-03-02T00:00:00Z&to=2026-03-02T03:00:01Z", "to", "'2026-03-02T03:00:01Z' is not the start of an hour"),
            ("from=yesterday&to=2026-03-02T03:00:00Z", "from", "'yesterday' is not an ISO-8601 UTC timestamp"),
            ("from=2026-03-02T00:00:00&to=2026-03-02T03:00:00Z", "from", "'2026-03-02T00:00:00' is not an ISO-8601 UTC timestamp"),
            ("from=2026-03-02T02:00:00%2B02:00&to=2026-03-02T03:00:00Z", "from", "'2026-03-02T02:00:00+02:00' is not UTC"),
            ("to=2026-03-02T03:00:00Z", "from", "from is required"),
            ("from=2026-03-02T03:00:00Z&to=2026-03-02T03:00:00Z", "to", "to '2026-03-02T03:00:00Z' must be after from '2026-03-02T03:00:00Z'"),
            ("from=2025-01-01T00:00:00Z&to=2026-03-02T03:00:00Z", "to", "at most 400 days"),
            ($"{Range}&group_by=route,customer", "group_by", "'customer', which is not one of"),
            ($"{Range}&group_by=route;drop%20table%20x", "group_by", "'route;drop table x', which is not one of"),
            ($"{Range}&group_by=route,route", "group_by", "names 'route' twice"),
            ($"{Range}&page_size=1001", "page_size", "page_size '1001' is not a whole number in 1..1000"),
            ($"{Range}&page=0", "page", "page '0' is not a whole number"),
        ];

        foreach (var (query, parameter, mentioned) in cases)
        {
            var paths = parameter.StartsWith("page", StringComparison.Ordinal) ? ["/v1/costs"] : new[] { "/v1/costs", "/v1/costs.csv", "/v1/costs.parquet" };
            foreach (var path in paths)
            {
                var (status, problem) = await api.GetProblemAsync($"{path}?{query}");

                Assert.True(status == 400, $"{path}?{query}: status {status}");
                var messages = problem.GetProperty("errors").GetProperty(parameter).EnumerateArray().Select(m => m.GetString()!).ToList();
                Assert.True(messages.Any(m => m.Contains(mentioned, StringComparison.Ordinal)), $"{path}?{query}: {string.Join(" / ", messages)}");
                Assert.Contains(mentioned, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }
    }
}

/// <summary>Reads the cost JSON the API answers with.</summary>
internal static class CostJson
{
    public static string Key(JsonElement row, IReadOnlyList<string> groupBy) =>
        string.Join('|', groupBy.Select(d => d == "hour"
            ? KnownCosts.Iso(row.GetProperty(d).GetDateTimeOffset())
            : row.GetProperty(d).GetString()));

    public static decimal[] Amounts(JsonElement element) => [.. KnownCosts.Money.Select(m => element.GetProperty(m).GetDecimal())];

    public static Dictionary<string, decimal[]> Groups(JsonElement page, IReadOnlyList<string> groupBy) =>
        page.GetProperty("rows").EnumerateArray().ToDictionary(r => Key(r, groupBy), Amounts);
}
