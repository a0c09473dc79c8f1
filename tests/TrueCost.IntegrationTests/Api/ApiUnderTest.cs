using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using TrueCost.Api;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;

namespace TrueCost.IntegrationTests.Api;

/// <summary>
/// The API hosted in-process on a free loopback port over its own fresh database, which holds the
/// ledger's schema and <see cref="KnownCosts"/>. Two keys: one for every tenant, one scoped to acme.
/// </summary>
public sealed class ApiUnderTest : IAsyncDisposable
{
    public const string AdminKey = "tc_test_admin_4f0c2a";
    public const string AcmeKey = "tc_test_acme_9b71de";

    private readonly WebApplication _app;

    private ApiUnderTest(WebApplication app, NpgsqlDataSource db, Uri address, string postgres, ApiOptions options, LedgerOptions ledger)
    {
        _app = app;
        Db = db;
        Address = address;
        Postgres = postgres;
        Options = options;
        Ledger = ledger;
    }

    public NpgsqlDataSource Db { get; }

    /// <summary>The connection string of the test's database, for a second host over the same ledger.</summary>
    public string Postgres { get; }

    public ApiOptions Options { get; }

    public LedgerOptions Ledger { get; }

    public Uri Address { get; }

    /// <param name="infra">The shared PostgreSQL.</param>
    /// <param name="options">The API's options when a test sets its own (bound from a configuration file, a low rate
    /// limit); else <see cref="AdminKey"/> and <see cref="AcmeKey"/>.</param>
    /// <param name="governance">Budgets and detection settings, when a test has them.</param>
    /// <param name="seed">Writes the test's own rows instead of <see cref="KnownCosts"/>.</param>
    public static async Task<ApiUnderTest> StartAsync(
        InfrastructureFixture infra, ApiOptions? options = null, GovernanceOptions? governance = null, Func<NpgsqlDataSource, Task>? seed = null)
    {
        var postgres = await infra.NewDatabaseAsync();
        var ledger = new LedgerOptions();
        using (var store = LedgerStore.CreateStore(postgres, ledger))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        var db = NpgsqlDataSource.Create(postgres);
        await (seed ?? (d => InsertAsync(d, ledger, KnownCosts.Rows)))(db);
        var keys = options ?? new ApiOptions
        {
            Keys =
            [
                new ApiKey { Name = "finops", KeyHash = ApiKey.HashOf(AdminKey) },
                new ApiKey { Name = "acme-portal", KeyHash = ApiKey.HashOf(AcmeKey), Tenant = "acme" },
            ],
        };
        var app = ApiHost.Build(postgres, keys, ["http://127.0.0.1:0"], ledger, governance: governance);
        await app.StartAsync();
        return new ApiUnderTest(app, db, new Uri(app.Urls.Single()), postgres, keys, ledger);
    }

    public HttpClient Client(string? key = AdminKey)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    /// <summary>GETs a JSON document, failing with the response body when the status is not 200.</summary>
    public async Task<JsonElement> GetJsonAsync(string path, string? key = AdminKey)
    {
        var (body, _) = await GetBytesAsync(path, key);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>GETs a path, failing with the response body when the status is not 200; returns the body and its media type.</summary>
    public async Task<(byte[] Body, string? MediaType)> GetBytesAsync(string path, string? key = AdminKey)
    {
        using var client = Client(key);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        return (body, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>GETs a path expected to fail, returning the status and the ProblemDetails body.</summary>
    public async Task<(int Status, JsonElement Problem)> GetProblemAsync(string path, string? key = AdminKey)
    {
        using var client = Client(key);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Db.DisposeAsync();
    }

    /// <summary>Writes the rows the way the allocator does: one re-allocation per hour.</summary>
    private static async Task InsertAsync(NpgsqlDataSource db, LedgerOptions ledger, IReadOnlyList<AllocatedRow> rows)
    {
        var store = new AllocationStore(ledger, LedgerRules.From(ledger, LedgerStore.LoadPrices(ledger)), TimeProvider.System);
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        foreach (var hour in rows.GroupBy(r => r.Hour))
        {
            var inputs = new HourInputs(hour.Key, [], [], [], []);
            await store.SaveAsync(conn, tx, new HourAllocation(hour.Key, hour.Sum(r => r.Total), [.. hour], []), new LoadedHour(inputs, [], []), "api test seed", CancellationToken.None);
        }

        await tx.CommitAsync();
    }
}
