using Microsoft.AspNetCore.Builder;
using Npgsql;
using TrueCost.Api;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.Api;

[Collection("infrastructure")]
public sealed class ApiSurfaceTests(InfrastructureFixture infra)
{
    [Fact]
    public async Task The_openapi_document_is_served_without_a_key_and_describes_the_endpoints_and_the_key_header()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);

        var document = await api.GetJsonAsync("/openapi/v1.json", key: null);

        var paths = document.GetProperty("paths");
        Assert.All(["/v1/costs", "/v1/costs.csv", "/v1/costs.parquet", "/v1/pools", "/v1/incidents", "/healthz", "/readyz"], p => Assert.True(paths.TryGetProperty(p, out _), p));
        var costs = paths.GetProperty("/v1/costs").GetProperty("get");
        Assert.Equal(
            ["from", "group_by", "model", "page", "page_size", "route", "tenant", "to", "traffic_class"],
            costs.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.True(costs.GetProperty("security")[0].TryGetProperty("ApiKey", out _));
        Assert.False(paths.GetProperty("/healthz").GetProperty("get").TryGetProperty("security", out _));
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-Api-Key"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Healthz_and_readyz_answer_without_a_key_while_the_database_answers()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);

        var live = await api.GetJsonAsync("/healthz", key: null);
        var ready = await api.GetJsonAsync("/readyz", key: null);

        Assert.Equal("healthy", live.GetProperty("status").GetString());
        Assert.Equal("healthy", ready.GetProperty("status").GetString());
        Assert.Equal("healthy", ready.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_is_503_when_the_database_does_not_answer_while_healthz_stays_200()
    {
        var options = new ApiOptions { Keys = [new ApiKey { Name = "k", KeyHash = ApiKey.HashOf("k") }] };
        await using var app = ApiHost.Build("Host=127.0.0.1;Port=1;Username=nobody;Timeout=2", options, ["http://127.0.0.1:0"]);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        using var live = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(200, (int)live.StatusCode);
        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains("the database did not answer", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task Pools_list_gpu_pool_hours_in_the_range_page_by_page()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        await ExecuteAsync(api.Db, $"""
            insert into {Table(LedgerTables.GpuHourly)} (hour, pool, gpu_uuid, gpu_class, node, samples, gpu_seconds, busy_gpu_seconds,
                util_peak, kv_cache_peak, waiting_peak, waiting_seconds, running_seconds, fb_used_peak_mib, energy_wh, prompt_tokens, generation_tokens)
            select h, p, p || '-gpu-' || g, 'H100', 'node-1', 60, 3600, 900 * g, 90, 0.5, 3, 1800, 7200, 40000, 700, 1000 * g, 500 * g
            from generate_series(timestamptz '2026-03-02 00:00Z', timestamptz '2026-03-02 03:00Z', interval '1 hour') h,
                 unnest(array['pool-a', 'pool-b']) p, generate_series(1, 2) g
            """);

        var first = await api.GetJsonAsync($"/v1/pools?{KnownCosts.Range}&page_size=4");
        var second = await api.GetJsonAsync($"/v1/pools?{KnownCosts.Range}&page=2&page_size=4");
        var onePool = await api.GetJsonAsync($"/v1/pools?{KnownCosts.Range}&pool=pool-b");

        Assert.Equal(6, first.GetProperty("total_rows").GetInt64());
        Assert.Equal(4, first.GetProperty("rows").GetArrayLength());
        Assert.Equal(2, second.GetProperty("rows").GetArrayLength());
        var row = first.GetProperty("rows")[0];
        Assert.Equal(("pool-a", 2L, 7200d, 0.375d, 4500L), (
            row.GetProperty("pool").GetString(), row.GetProperty("gpus").GetInt64(), row.GetProperty("gpu_seconds").GetDouble(),
            row.GetProperty("busy_share").GetDouble(), row.GetProperty("tokens").GetInt64()));
        Assert.Equal(KnownCosts.From, row.GetProperty("hour").GetDateTimeOffset());
        Assert.All(onePool.GetProperty("rows").EnumerateArray(), r => Assert.Equal("pool-b", r.GetProperty("pool").GetString()));
        Assert.Equal(3, onePool.GetProperty("total_rows").GetInt64());
    }

    [Fact]
    public async Task Incidents_list_with_their_costs_and_a_range_keeps_those_overlapping_it()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        await ExecuteAsync(api.Db, $$"""
            insert into {{Table(LedgerTables.Incidents)}} (incident_id, severity, title, opened_at, mitigated_at, resolved_at, window_start, window_end,
                failed_requests, responder_hours, responder_cost, failed_request_cost, credits, affected, postmortem_url, records)
            values ('INC-1', 'sev2', 'pool-a OOM', '2026-03-02 01:10Z', '2026-03-02 01:50Z', '2026-03-02 02:20Z', '2026-03-02 01:10Z', '2026-03-02 02:20Z',
                    420, 3.5, 525.00, 84.00, 250.00, '{"routes":["chat"],"tenants":["acme"]}', 'https://wiki.example/INC-1', 6),
                   ('INC-2', 'sev3', 'slow search', '2026-03-05 10:00Z', null, null, '2026-03-05 10:00Z', '2026-03-05 11:00Z',
                    0, 0, 0, 0, 0, '{}', null, 1)
            """);

        var all = await api.GetJsonAsync("/v1/incidents");
        var inRange = await api.GetJsonAsync($"/v1/incidents?{KnownCosts.Range}");
        var (status, problem) = await api.GetProblemAsync($"/v1/incidents?from={KnownCosts.From:yyyy-MM-dd'T'HH}:00:00Z");

        Assert.Equal(2, all.GetProperty("total_rows").GetInt64());
        Assert.Equal(["INC-1"], inRange.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("incident_id").GetString()));
        var incident = inRange.GetProperty("rows")[0];
        Assert.Equal((525.00m, 84.00m, 250.00m, 420L), (
            incident.GetProperty("responder_cost").GetDecimal(), incident.GetProperty("failed_request_cost").GetDecimal(),
            incident.GetProperty("credits").GetDecimal(), incident.GetProperty("failed_requests").GetInt64()));
        Assert.Equal("acme", incident.GetProperty("affected").GetProperty("tenants")[0].GetString());
        Assert.Equal((400, "to is required"), (status, problem.GetProperty("errors").GetProperty("to")[0].GetString()?[..14]));
    }

    private static string Table(string name) => LedgerTables.QualifiedName(new LedgerOptions().Schema, name);

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }
}
