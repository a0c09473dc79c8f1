using System.Text.Json;
using Npgsql;
using TrueCost.IntegrationTests.Api;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Time;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.IntegrationTests.Governance;

/// <summary>/v1/budgets, /v1/anomalies and /v1/forecast over a <see cref="SpikedHistory"/> ending at the current hour.</summary>
[Collection("infrastructure")]
public sealed class GovernanceApiTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Now = UtcHour.Floor(DateTimeOffset.UtcNow);
    private readonly SpikedHistory _history = new(Now);

    [Fact]
    public async Task Budgets_anomalies_and_forecasts_are_served_and_a_tenant_key_sees_only_its_own()
    {
        await using var api = await ApiUnderTest.StartAsync(infra, governance: Budgets(), seed: async db =>
        {
            await _history.SeedAsync(db);
            await SeedIdleAsync(db);
        });

        var budgets = await api.GetJsonAsync("/v1/budgets");
        Assert.Equal(["acme-monthly", "all-weekly", "misspelt"], budgets.EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        Assert.Equal([true, true, false], budgets.EnumerateArray().Select(b => b.GetProperty("scope_matches_cost").GetBoolean()));
        Assert.Equal(0m, budgets[2].GetProperty("actual").GetDecimal());
        var acme = budgets[0];
        var (start, _) = new BudgetDefinition { Name = "x", Amount = 1 }.PeriodContaining(DateTimeOffset.UtcNow);
        Assert.Equal(await SumAsync(api.Db, "acme", start, Now), acme.GetProperty("actual").GetDecimal());
        Assert.Equal(start, acme.GetProperty("period_start").GetDateTimeOffset());
        Assert.Equal(["actual", "actual", "actual", "forecast"], acme.GetProperty("thresholds").EnumerateArray().Select(t => t.GetProperty("measure").GetString()));
        Assert.True(acme.GetProperty("forecast").GetDecimal() >= acme.GetProperty("actual").GetDecimal() - 0.01m, acme.GetRawText());

        var anomalies = await api.GetJsonAsync($"/v1/anomalies?from={Now.AddHours(-48):yyyy-MM-ddTHH:mm:ssZ}&to={Now:yyyy-MM-ddTHH:mm:ssZ}");
        var hourly = anomalies.GetProperty("anomalies").EnumerateArray().Where(a => a.GetProperty("granularity").GetString() == "hour").ToList();
        var spike = hourly.Single(a => a.GetProperty("dimension").GetString() == "route" && a.GetProperty("value").GetString() == "chat");
        Assert.Equal(_history.SpikeStart, spike.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(_history.SpikeStart.AddHours(3), spike.GetProperty("end").GetDateTimeOffset());
        Assert.InRange(spike.GetProperty("impact").GetDecimal(), _history.InjectedImpact * 0.85m, _history.InjectedImpact * 1.15m);
        Assert.DoesNotContain(hourly, a => a.GetProperty("value").GetString() == "globex");

        // The ledger's extent comes with every list, so a range without data reads as such rather than as a quiet period.
        Assert.Equal(Now, anomalies.GetProperty("data_until").GetDateTimeOffset());
        Assert.Equal(Now.AddDays(-42), anomalies.GetProperty("data_from").GetDateTimeOffset());
        var later = await api.GetJsonAsync($"/v1/anomalies?from={Now.AddDays(30):yyyy-MM-ddTHH:mm:ssZ}&to={Now.AddDays(31):yyyy-MM-ddTHH:mm:ssZ}");
        Assert.Empty(later.GetProperty("anomalies").EnumerateArray());
        Assert.Equal(Now, later.GetProperty("data_until").GetDateTimeOffset());

        // A range that ends inside the spike reports it whole, as the wider range does, not cut at the range's end.
        var cut = await api.GetJsonAsync($"/v1/anomalies?from={Now.AddHours(-48):yyyy-MM-ddTHH:mm:ssZ}&to={_history.SpikeStart.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}");
        var cutSpike = cut.GetProperty("anomalies").EnumerateArray()
            .Single(a => a.GetProperty("granularity").GetString() == "hour" && a.GetProperty("dimension").GetString() == "route" && a.GetProperty("value").GetString() == "chat");
        Assert.Equal(spike.GetProperty("end").GetDateTimeOffset(), cutSpike.GetProperty("end").GetDateTimeOffset());
        Assert.Equal(spike.GetProperty("impact").GetDecimal(), cutSpike.GetProperty("impact").GetDecimal());
        Assert.False(cutSpike.GetProperty("open").GetBoolean());

        // Idle capacity is a series of its route label and counts in the buckets; its placeholder tenant and its pool
        // (held in the model column) are no tenant and no model.
        var models = (await api.GetJsonAsync("/v1/forecast?dimension=model&horizon=1")).GetProperty("series").EnumerateArray().Select(s => s.GetProperty("value").GetString());
        Assert.Equal(["gpt-4o"], models);
        var routes = (await api.GetJsonAsync("/v1/forecast?dimension=route&horizon=1")).GetProperty("series").EnumerateArray().Select(s => s.GetProperty("value").GetString());
        Assert.Equal(["(idle)", "chat", "search"], routes.Order(StringComparer.Ordinal));

        var forecast = await api.GetJsonAsync("/v1/forecast?dimension=tenant&horizon=90");
        var series = forecast.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["acme", "globex"], series.Select(s => s.GetProperty("value").GetString()).Order(StringComparer.Ordinal));
        Assert.All(series, s =>
        {
            var monthEnd = s.GetProperty("month_end");
            Assert.InRange(monthEnd.GetProperty("expected").GetDecimal(), monthEnd.GetProperty("low").GetDecimal(), monthEnd.GetProperty("high").GetDecimal());
            Assert.Equal(90, s.GetProperty("days").GetArrayLength());
        });

        // acme's key: its own budget only, series computed from its own rows, and globex named nowhere.
        var (acmeBudgets, _) = await api.GetBytesAsync("/v1/budgets", ApiUnderTest.AcmeKey);
        var (acmeAnomalies, _) = await api.GetBytesAsync($"/v1/anomalies?from={Now.AddHours(-48):yyyy-MM-ddTHH:mm:ssZ}&to={Now:yyyy-MM-ddTHH:mm:ssZ}", ApiUnderTest.AcmeKey);
        var (acmeForecast, _) = await api.GetBytesAsync("/v1/forecast", ApiUnderTest.AcmeKey);
        Assert.Equal(["acme-monthly"], JsonDocument.Parse(acmeBudgets).RootElement.EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        Assert.Contains(JsonDocument.Parse(acmeAnomalies).RootElement.GetProperty("anomalies").EnumerateArray(), a => a.GetProperty("value").GetString() == "chat");
        foreach (var body in new[] { acmeBudgets, acmeAnomalies, acmeForecast })
        {
            Assert.DoesNotContain("globex", System.Text.Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        }

        var (status, problem) = await api.GetProblemAsync("/v1/forecast?horizon=365");
        Assert.Equal(400, status);
        Assert.Contains("horizon 365 is outside 1..90", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var (notNumber, notNumberProblem) = await api.GetProblemAsync("/v1/forecast?horizon=abc");
        Assert.Equal(400, notNumber);
        Assert.Contains("horizon 'abc' is not a whole number of days in 1..90", notNumberProblem.GetProperty("errors").GetProperty("horizon")[0].GetString(), StringComparison.Ordinal);

        // value names a tenant, route or model series by its name and a bucket series by its bucket: every tenant
        // series is on the bucket total, and none of them is named total.
        Assert.Empty((await api.GetJsonAsync("/v1/forecast?dimension=tenant&value=total&horizon=1")).GetProperty("series").EnumerateArray());
        Assert.Equal(
            [("tenant", "acme", "total")],
            (await api.GetJsonAsync("/v1/forecast?value=acme&horizon=1")).GetProperty("series").EnumerateArray()
                .Select(s => (s.GetProperty("dimension").GetString(), s.GetProperty("value").GetString(), s.GetProperty("bucket").GetString())));
        Assert.Equal(
            [("bucket", "all", "direct_inference")],
            (await api.GetJsonAsync("/v1/forecast?dimension=bucket&value=direct_inference&horizon=1")).GetProperty("series").EnumerateArray()
                .Select(s => (s.GetProperty("dimension").GetString(), s.GetProperty("value").GetString(), s.GetProperty("bucket").GetString())));
    }

    private static GovernanceOptions Budgets() => new()
    {
        Budgets =
        [
            new BudgetDefinition { Name = "acme-monthly", Amount = 5000m, Scope = new BudgetScope { Tenant = "acme" } },
            new BudgetDefinition { Name = "all-weekly", Amount = 900m, Period = BudgetPeriodKind.Week, Scope = new BudgetScope { Bucket = "direct_inference" } },
            new BudgetDefinition { Name = "misspelt", Amount = 100m, Scope = new BudgetScope { Route = "chatt" } },
        ],
    };

    /// <summary>Three weeks of an idle GPU pool's cost, on the row that holds it: route, tenant and traffic class "(idle)", the pool in the model column.</summary>
    private static async Task SeedIdleAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand("""
            insert into truecost.cost_hourly (hour, route, tenant, model, traffic_class, currency, direct_inference, platform_overhead, observability,
                engineering, incident, idle, total)
            select h, '(idle)', '(idle)', 'h100-pool', '(idle)', 'USD', 3, 0, 0, 0, 0, 3, 3
            from generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') as h
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = Now.AddDays(-21) });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Now });
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<decimal> SumAsync(NpgsqlDataSource db, string tenant, DateTimeOffset from, DateTimeOffset to)
    {
        await using var cmd = db.CreateCommand("select coalesce(sum(total), 0) from truecost.cost_hourly where tenant = $1 and hour >= $2 and hour < $3");
        cmd.Parameters.Add(new NpgsqlParameter { Value = tenant });
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        return (decimal)(await cmd.ExecuteScalarAsync())!;
    }
}
