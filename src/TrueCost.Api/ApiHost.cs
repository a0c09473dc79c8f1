using System.Text.Json;
using System.Text.Json.Serialization;
using Marten;
using Npgsql;
using TrueCost.Api.Auth;
using TrueCost.Api.Commitments;
using TrueCost.Api.Costs;
using TrueCost.Api.Explorer;
using TrueCost.Api.Governance;
using TrueCost.Api.Health;
using TrueCost.Api.Incidents;
using TrueCost.Api.Issues;
using TrueCost.Api.Pools;
using TrueCost.Api.Statements;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Incidents;
using TrueCost.Reporting.Rightsizing;
using TrueCost.ServiceDefaults;

namespace TrueCost.Api;

/// <summary>
/// The HTTP query surface as one application, hosted by <c>truecost api</c>, by this project's own
/// entry point and by the tests. Reads the ledger's tables; never changes them.
/// </summary>
public static class ApiHost
{
    /// <param name="ops">The process's ops settings and telemetry: log format and <c>/metrics</c> (simple logs and no <c>/metrics</c> without).</param>
    /// <param name="governance">Budgets, anomaly and forecast settings shown by /v1/budgets, /v1/anomalies and /v1/forecast (none configured without).</param>
    /// <param name="findings">The breakeven and rightsizing rules' settings (Reporting:Findings) for the explorer's findings page (their defaults without).</param>
    public static WebApplication Build(
        string postgres,
        ApiOptions options,
        string[]? urls = null,
        LedgerOptions? ledger = null,
        ProcessOps? ops = null,
        GovernanceOptions? governance = null,
        FindingsOptions? findings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(postgres);
        ledger ??= new LedgerOptions();
        ledger.Validate();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(ApiHost).Assembly.GetName().Name });
        if (urls is { Length: > 0 })
        {
            builder.WebHost.UseUrls(urls);
        }

        builder.AddServiceDefaults(ops, postgres: true);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The session keys are kept unencrypted in a schema only the API's role can read (SessionKeyStore); the key manager warns about that on every start.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        builder.Services.AddApiKeys(options);
        builder.Services.AddApiRateLimits(options.RateLimit);
        builder.Services.AddApiDocument();
        builder.Services.AddSingleton(ledger);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
        builder.Services.AddSingleton<CostStore>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddGovernanceQueries(governance ?? new GovernanceOptions());
        builder.Services.AddSingleton(findings ?? new FindingsOptions());
        // The incident page's postmortem block folds the incident's event stream, as `truecost incident-cost` does.
        builder.Services.AddSingleton<IDocumentStore>(_ => LedgerStore.CreateReadStore(postgres, ledger));
        builder.Services.AddSingleton<IncidentCostLoader>();
        builder.Services.AddExplorer();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi();
        app.MapExplorer();
        app.MapHealth(ops);
        var v1 = app.MapGroup("/v1")
            .RequireAuthorization()
            .RequireRateLimiting(RateLimits.PerKey)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        v1.MapCosts();
        v1.MapGovernance();
        v1.MapStatements();
        // Pools, incidents, issues and commitments span tenants: only keys without a tenant read them.
        v1.MapGroup("").RequireAuthorization(ApiKeyAuthentication.AllTenantsPolicy).MapPools().MapIncidents().MapIssues().MapCommitments();
        return app;
    }
}
