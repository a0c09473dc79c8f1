using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TrueCost.Api.Auth;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Governance;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Alerts;
using TrueCost.Reporting.Governance.Budgets;
using TrueCost.Reporting.Messages;

namespace TrueCost.Api.Governance;

/// <summary>
/// GET /v1/budgets (each budget's current period: actual, forecast, thresholds, unpriced usage), /v1/anomalies,
/// /v1/forecast and /v1/alerts. A tenant key sees its own budgets, series computed from its own rows, and its alerts.
/// </summary>
public static class GovernanceEndpoints
{
    public static RouteGroupBuilder MapGovernance(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("").WithTags("Governance");
        group.MapGet("/budgets", GetBudgetsAsync).WithName("GetBudgets")
            .WithSummary("Every configured budget's current period: actual cost, percent used, period-end forecast with its 80 % band, thresholds crossed, unpriced usage in scope");
        group.MapGet("/anomalies", GetAnomaliesAsync).WithName("GetAnomalies")
            .WithSummary("Cost anomalies starting in [from, to), hourly and daily, per tenant, route, model and bucket, with expected cost and cost impact");
        group.MapGet("/forecast", GetForecastAsync).WithName("GetForecast")
            .WithSummary("Month-end forecast and the next 30 (or up to 90) days per tenant, route, model and bucket, with an 80 % band");
        group.MapGet("/alerts", GetAlertsAsync).WithName("GetAlerts")
            .WithSummary("Budget and anomaly alerts raised in [from, to), newest first");
        return v1;
    }

    private static async Task<Ok<IReadOnlyList<BudgetView>>> GetBudgetsAsync(ClaimsPrincipal user, GovernanceOptions options, BudgetTracker tracker, TimeProvider time, CancellationToken ct)
    {
        var statuses = await tracker.StatusesAsync(options.Budgets, time.GetUtcNow(), Caller.From(user).Tenant, ct);
        return TypedResults.Ok<IReadOnlyList<BudgetView>>([.. statuses.Select(BudgetView.Of)]);
    }

    private static async Task<Results<Ok<AnomalyList>, ProblemHttpResult>> GetAnomaliesAsync(
        [AsParameters] RangeParameters range, ClaimsPrincipal user, GovernanceViews views, GovernanceLedger ledger, CancellationToken ct)
    {
        var errors = new ParameterErrors();
        var parsed = TimeRange.Parse(range, errors);
        if (errors.Any || parsed is null)
        {
            return errors.ToProblem();
        }

        var tenant = Caller.From(user).Tenant;
        var anomalies = await views.AnomaliesAsync(parsed.From, parsed.To, tenant, ct);
        var extent = await ledger.ExtentAsync(tenant, ct);
        return TypedResults.Ok(new AnomalyList(parsed.From, parsed.To, ledger.Currency, extent.From, extent.Until, [.. anomalies.Select(AnomalyView.Of)]));
    }

    private static async Task<Results<Ok<ForecastList>, ProblemHttpResult>> GetForecastAsync(
        [AsParameters] ForecastParameters p, ClaimsPrincipal user, GovernanceViews views, GovernanceLedger ledger, TimeProvider time, CancellationToken ct)
    {
        var errors = new ParameterErrors();
        var horizon = Horizon(p.Horizon, errors);

        if (p.Dimension is { } d && d is not ("tenant" or "route" or "model" or "bucket"))
        {
            errors.Add("dimension", $"dimension '{d}' is not one of tenant, route, model, bucket");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var tenant = Caller.From(user).Tenant;
        var forecasts = await views.ForecastsAsync(time.GetUtcNow(), horizon, tenant, ct);
        var extent = await ledger.ExtentAsync(tenant, ct);
        return TypedResults.Ok(new ForecastList(ledger.Currency, extent.From, extent.Until, [.. forecasts
            .Where(f => (p.Dimension is null || f.Key.Dimension == p.Dimension) && (p.Value is null || Names(f.Key, p.Value)))
            .Select(f => new ForecastView(f.Key.Dimension, f.Key.Value, f.Key.Bucket, f.MonthEnd, f.Days))]));
    }

    /// <summary>The forecast's days, 30 when not given; a value that is not a whole number in 1..90 is recorded in <paramref name="errors"/>.</summary>
    private static int Horizon(string? text, ParameterErrors errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 30;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var days))
        {
            errors.Add("horizon", $"horizon '{text}' is not a whole number of days in 1..90");
            return 30;
        }

        if (days is < 1 or > 90)
        {
            errors.Add("horizon", $"horizon {days} is outside 1..90 days");
        }

        return days;
    }

    /// <summary>
    /// Whether <paramref name="value"/> names the series: a tenant, route or model series by its name; a bucket series by its
    /// bucket (or by its scope, <c>all</c> or the caller's tenant). Every tenant, route and model series is on the bucket
    /// <c>total</c>, so matching their bucket would answer <c>dimension=tenant&amp;value=total</c> with every tenant.
    /// </summary>
    private static bool Names(SeriesKey key, string value) =>
        key.Value == value || (key.Dimension == "bucket" && key.Bucket == value);

    private static async Task<Results<Ok<IReadOnlyList<GovernanceAlertRaised>>, ProblemHttpResult>> GetAlertsAsync(
        [AsParameters] RangeParameters range, ClaimsPrincipal user, AlertStore store, CancellationToken ct)
    {
        var errors = new ParameterErrors();
        var parsed = TimeRange.Parse(range, errors);
        if (errors.Any || parsed is null)
        {
            return errors.ToProblem();
        }

        return TypedResults.Ok(await store.NotificationsAsync(parsed.From, parsed.To, Caller.From(user).Tenant, ct));
    }
}

public sealed class ForecastParameters
{
    [FromQuery(Name = "dimension"), Description("Only series of this kind: tenant, route, model or bucket")]
    public string? Dimension { get; init; }

    [FromQuery(Name = "value"), Description("Only the series of this tenant, route, model or bucket name")]
    public string? Value { get; init; }

    [FromQuery(Name = "horizon"), Description("Days forecast after the last complete day, 1..90 (default 30)")]
    public string? Horizon { get; init; }
}

public sealed record ThresholdView(string Measure, decimal Percent, bool Crossed);

public sealed record BudgetView(
    string Name,
    BudgetScope Scope,
    string Period,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    DateTimeOffset AsOf,
    decimal Amount,
    string Currency,
    decimal Actual,
    decimal PercentUsed,
    decimal? Forecast,
    decimal? ForecastLow,
    decimal? ForecastHigh,
    DateOnly? ExceedsOn,
    bool Hard,
    long UnpricedRequests,
    long UnpricedTokens,
    bool ScopeMatchesCost,
    IReadOnlyList<ThresholdView> Thresholds)
{
    public static BudgetView Of(BudgetStatus s) => new(
        s.Budget.Name, s.Budget.Scope, s.Budget.Period.ToString().ToLowerInvariant(), s.PeriodStart, s.PeriodEnd, s.AsOf, s.Budget.Amount, s.Currency,
        s.Actual, s.PercentUsed, s.ForecastExpected, s.ForecastLow, s.ForecastHigh, s.ExceedsOn, s.Budget.Hard, s.UnpricedRequests, s.UnpricedTokens, s.ScopeMatched,
        [.. s.Thresholds().Select(t => new ThresholdView(t.Measure.ToString().ToLowerInvariant(), t.Percent, t.Crossed))]);
}

public sealed record AnomalyView(
    string Dimension, string Value, string Bucket, string Granularity, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset Peak,
    decimal Actual, decimal Expected, decimal Impact, double Score, bool Open)
{
    public static AnomalyView Of(Anomaly a) => new(
        a.Key.Dimension, a.Key.Value, a.Key.Bucket, a.Granularity.ToString().ToLowerInvariant(), a.Start, a.End, a.Peak,
        Math.Round(a.Actual, 2), Math.Round(a.Expected, 2), Math.Round(a.Impact, 2), Math.Round(a.Score, 2), a.Open);
}

/// <param name="DataFrom">The first hour with cost the caller can see (null: none), so an empty list over a range without data says so.</param>
/// <param name="DataUntil">The end of the newest hour with cost the caller can see.</param>
public sealed record AnomalyList(DateTimeOffset From, DateTimeOffset To, string Currency, DateTimeOffset? DataFrom, DateTimeOffset? DataUntil, IReadOnlyList<AnomalyView> Anomalies);

public sealed record ForecastView(string Dimension, string Value, string Bucket, MonthEndForecast MonthEnd, IReadOnlyList<ForecastPoint> Days);

/// <param name="DataFrom">The first hour with cost the caller can see (null: none).</param>
/// <param name="DataUntil">The end of the newest hour with cost the caller can see: a forecast made long after it is a forecast of nothing.</param>
public sealed record ForecastList(string Currency, DateTimeOffset? DataFrom, DateTimeOffset? DataUntil, IReadOnlyList<ForecastView> Series);
