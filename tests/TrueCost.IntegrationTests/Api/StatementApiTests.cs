using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CsvHelper;
using Npgsql;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Reliability;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Statements;

namespace TrueCost.IntegrationTests.Api;

/// <summary>
/// Chargeback statements over real PostgreSQL: acme and globex have cost in the last hour of December 2025, across
/// January 2026 and in the first hour of February; shared (idle) and (unallocated) rows sit beside them. The statement
/// of January, from <c>truecost statement</c> run as a process and from the API, equals cost_hourly's January sums of
/// the tenant to the cent, bucket by bucket, and holds nothing of the hours outside the month or of the other tenant.
/// </summary>
[Collection("infrastructure")]
public sealed class StatementApiTests(InfrastructureFixture infra) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset January = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Buckets = [.. CostBuckets.Five];

    private static readonly DateTimeOffset[] Hours =
    [
        January.AddHours(-1), January, January.AddHours(1), January.AddDays(14).AddHours(12), January.AddMonths(1).AddHours(-1), January.AddMonths(1),
    ];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("truecost-statement-");

    [Fact]
    public async Task The_cli_statement_equals_cost_hourly_of_the_month_to_the_cent_per_bucket_and_leaves_the_neighbouring_months_out()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        var rows = await SeedAsync(api.Db);
        var config = Path.Combine(_dir.FullName, "truecost.json");
        await File.WriteAllTextAsync(config, """{ "Ledger": { "Currency": "USD" } }""");

        var (exit, output) = await CliAsync("--tenant", "acme", "--month", "2026-01", "--out", _dir.FullName, "--postgres", api.Db.ConnectionString, "--config", config);

        Assert.True(exit == 0, output);
        var csv = Csv(await File.ReadAllBytesAsync(Path.Combine(_dir.FullName, "statement-acme-2026-01.csv")));
        var ledger = await LedgerSumsAsync(api.Db, "acme");
        Assert.Equal(ledger, BucketSums(csv));
        Assert.Equal(Expected(rows, "acme"), ledger);
        Assert.All(csv, r => Assert.Equal(("acme", "USD"), (r["SubAccountId"], r["BillingCurrency"])));
        Assert.All(csv, r => Assert.StartsWith("2026-01-", r["ChargePeriodStart"], StringComparison.Ordinal));
        Assert.Contains(csv, r => r["ChargePeriodStart"] == "2026-01-31T00:00:00Z");
        Assert.Contains(csv, r => r["AllocatedMethodId"] == "api-tokens" && r["ServiceName"] == "chat");
        Assert.Contains(csv, r => r["AllocatedMethodId"] == "pool-idle-share" && r["ServiceName"] == "search");
        var html = await File.ReadAllTextAsync(Path.Combine(_dir.FullName, "statement-acme-2026-01.html"));
        Assert.Contains("data-unpriced-requests=\"2\" data-unpriced-tokens=\"600\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("globex", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_names_the_months_a_tenant_has_cost_in_when_the_month_asked_for_has_none()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        await SeedAsync(api.Db);

        var (exit, output) = await CliAsync("--tenant", "acme", "--month", "2025-11", "--out", _dir.FullName, "--postgres", api.Db.ConnectionString);

        Assert.Equal(2, exit);
        Assert.Contains("no cost rows exist for tenant 'acme' in 2025-11", output, StringComparison.Ordinal);
        Assert.Contains("2026-03, 2026-02, 2026-01, 2025-12", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_key_reads_its_own_statement_and_is_refused_another_without_learning_its_name()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        await SeedAsync(api.Db);

        var (own, mediaType) = await api.GetBytesAsync("/v1/statements/acme/2026-01?format=csv", ApiUnderTest.AcmeKey);
        using var client = api.Client(ApiUnderTest.AcmeKey);
        using var other = await client.GetAsync(new Uri("/v1/statements/globex/2026-01", UriKind.Relative));
        var otherBody = await other.Content.ReadAsStringAsync();
        using var missing = await client.GetAsync(new Uri("/v1/statements/nobody-at-all/2026-01?format=html", UriKind.Relative));

        Assert.Equal("text/csv", mediaType);
        Assert.Equal(await LedgerSumsAsync(api.Db, "acme"), BucketSums(Csv(own)));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.DoesNotContain("globex", otherBody, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.DoesNotContain("nobody-at-all", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_all_tenant_key_reads_any_statement_as_json_or_html_and_gets_404_and_400_it_can_act_on()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        await SeedAsync(api.Db);

        var json = await api.GetJsonAsync("/v1/statements/globex/2026-01");
        var (html, htmlType) = await api.GetBytesAsync("/v1/statements/globex/2026-01?format=html");
        var (notFound, missing) = await api.GetProblemAsync("/v1/statements/nobody/2026-01");
        var (badMonth, bad) = await api.GetProblemAsync("/v1/statements/globex/2026-1?format=xml");
        var (blankTenant, blank) = await api.GetProblemAsync("/v1/statements/%20/2026-01");
        var (lastMonth, last) = await api.GetProblemAsync("/v1/statements/globex/9999-12");
        var document = await api.GetJsonAsync("/openapi/v1.json", key: null);

        var ledger = await LedgerSumsAsync(api.Db, "globex");
        var totals = json.GetProperty("totals");
        Assert.Equal(ledger, Buckets.Select(b => totals.GetProperty(b).GetDecimal()).ToArray());
        Assert.Equal(("globex", "2026-01", "USD"), (json.GetProperty("tenant").GetString(), json.GetProperty("month").GetString(), json.GetProperty("currency").GetString()));
        Assert.All(json.GetProperty("lines").EnumerateArray(), l => Assert.StartsWith("2026-01-", l.GetProperty("day").GetString(), StringComparison.Ordinal));
        Assert.Equal("text/html", htmlType);
        Assert.Contains("Chargeback statement — globex, 2026-01", Encoding.UTF8.GetString(html), StringComparison.Ordinal);
        Assert.Equal(404, notFound);
        Assert.Contains("no cost rows exist for tenant 'nobody' in 2026-01", missing.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, badMonth);
        Assert.Equal(["format", "month"], bad.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(400, blankTenant);
        Assert.Equal(["tenant"], blank.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal(400, lastMonth);
        Assert.Equal(["month"], last.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        var operation = document.GetProperty("paths").GetProperty("/v1/statements/{tenant}/{month}").GetProperty("get");
        Assert.True(operation.TryGetProperty("security", out _));
        Assert.Contains("format", operation.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private static async Task<(int Exit, string Output)> CliAsync(params string[] arguments)
    {
        using var process = WorkerProcess.Start("statement", arguments);
        var exit = await process.WaitForExitAsync(Patience);
        return (exit, process.OutputTail());
    }

    /// <summary>
    /// Per hour: chat/gpt-4o by API and search/llama on a pool for acme, chat/gpt-4o for globex, an (idle) and an
    /// (unallocated) row; acme's API usage is priced but for 1 request of 300 tokens in every January hour. Returns the rows.
    /// </summary>
    private static async Task<List<AllocatedRow>> SeedAsync(NpgsqlDataSource db)
    {
        var ledger = new LedgerOptions();
        var store = new AllocationStore(ledger, LedgerRules.From(ledger, LedgerStore.LoadPrices(ledger)), TimeProvider.System);
        var rows = new List<AllocatedRow>();
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        for (var h = 0; h < Hours.Length; h++)
        {
            var hour = Hours[h];
            decimal M(int salt) => ((h * 7919 + salt * 104_729) % 10_000) / 100m;
            var inJanuary = hour >= January && hour < January.AddMonths(1);
            AllocatedRow[] rowsOfHour =
            [
                new(hour, "chat", "acme", "gpt-4o", "interactive", "USD", M(1), M(2), M(3), M(4), M(5), 0m, inJanuary && h % 2 == 1 ? 1 : 0, inJanuary && h % 2 == 1 ? 300 : 0),
                new(hour, "search", "acme", "llama-3.1-70b", "batch", "USD", M(6), M(7), M(8), M(9), 0m, Math.Round(M(6) * 0.3m, 2)),
                new(hour, "chat", "globex", "gpt-4o", "interactive", "USD", M(10), M(11), M(12), M(13), M(14), 0m),
                new(hour, SpecialRows.Idle, SpecialRows.Idle, "h100-pool", SpecialRows.Idle, "USD", M(15), 0m, 0m, 0m, 0m, M(15)),
                new(hour, SpecialRows.Unallocated, SpecialRows.All, CostBuckets.Observability, SpecialRows.All, "USD", 0m, 0m, M(16), 0m, 0m, 0m),
            ];
            rows.AddRange(rowsOfHour);
            await store.SaveAsync(conn, tx, new HourAllocation(hour, rowsOfHour.Sum(r => r.Total), rowsOfHour, []), new LoadedHour(new HourInputs(hour, [], [], [], []), [], []), "statement test seed", CancellationToken.None);
            await using var usage = new NpgsqlCommand($"""
                insert into {ledger.Schema}.{LedgerTables.PricedUsage}
                  (hour, route, tenant, provider, model, traffic_class, serving_mode, gpu_pool, requests, input_tokens, output_tokens, list_cost, currency, unpriced_requests, unpriced_tokens, price)
                values ($1, 'chat', 'acme', 'openai', 'gpt-4o', 'interactive', 'api', '', 10, 1000, 500, 1.0, 'USD', $2, $3, 'test'),
                       ($1, 'search', 'acme', 'vllm', 'llama-3.1-70b', 'batch', 'self_hosted', 'h100-pool', 5, 2000, 800, 0, 'USD', 0, 0, 'self-hosted'),
                       ($1, 'chat', 'globex', 'openai', 'gpt-4o', 'interactive', 'api', '', 3, 300, 100, 0.3, 'USD', 0, 0, 'test')
                """, conn, tx);
            usage.Parameters.Add(new NpgsqlParameter { Value = hour });
            usage.Parameters.Add(new NpgsqlParameter { Value = rowsOfHour[0].UnpricedRequests });
            usage.Parameters.Add(new NpgsqlParameter { Value = rowsOfHour[0].UnpricedTokens });
            await usage.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
        return rows;
    }

    /// <summary>The five buckets of the tenant's January rows, summed here in C#.</summary>
    private static decimal[] Expected(IEnumerable<AllocatedRow> rows, string tenant)
    {
        var january = rows.Where(r => r.Tenant == tenant && r.Hour >= January && r.Hour < January.AddMonths(1)).ToList();
        return [january.Sum(r => r.DirectInference), january.Sum(r => r.PlatformOverhead), january.Sum(r => r.Observability), january.Sum(r => r.Engineering), january.Sum(r => r.Incident)];
    }

    private static async Task<decimal[]> LedgerSumsAsync(NpgsqlDataSource db, string tenant)
    {
        await using var cmd = db.CreateCommand($"""
            select {string.Join(", ", Buckets.Select(b => $"coalesce(sum({b}), 0)"))} from truecost.{LedgerTables.CostHourly}
            where tenant = $1 and hour >= $2 and hour < $3
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = tenant });
        cmd.Parameters.Add(new NpgsqlParameter { Value = January });
        cmd.Parameters.Add(new NpgsqlParameter { Value = January.AddMonths(1) });
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return [.. Buckets.Select((_, i) => r.GetDecimal(i))];
    }

    private static List<Dictionary<string, string>> Csv(byte[] bytes)
    {
        using var reader = CsvReader.Create(bytes);
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read())
        {
            rows.Add(StatementCsv.Columns.ToDictionary(c => c, c => reader.GetString(c)));
        }

        return rows;
    }

    private static decimal[] BucketSums(List<Dictionary<string, string>> csv) =>
        [.. Buckets.Select(b => csv.Where(r => r["x_CostBucket"] == b).Sum(r => decimal.Parse(r["BilledCost"], NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)))];
}
