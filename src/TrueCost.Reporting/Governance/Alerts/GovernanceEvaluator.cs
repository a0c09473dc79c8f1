using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Governance;
using TrueCost.Ledger.Time;
using TrueCost.Reporting.Governance.Budgets;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Governance.Alerts;

/// <summary>What one evaluation did: budgets and series looked at, alerts raised, notifications published.</summary>
public sealed record EvaluationResult(bool Evaluated, int Budgets, int Series, int Raised, int Published);

/// <summary>
/// Evaluates every budget and the anomaly series each <see cref="AlertOptions.EvaluationInterval"/>: a threshold
/// crossed (or left again by a restatement) and a new anomaly each write their state and one notification in one
/// transaction, under a lock that lets one replica evaluate at a time; then unpublished notifications go to the bus
/// (<see cref="GovernanceAlertRaised"/>, and <see cref="BudgetExceeded"/> for hard budgets) and are marked
/// published. A crash between publishing and marking publishes again; the consumer delivers once per channel.
/// </summary>
public sealed partial class GovernanceEvaluator(
    GovernanceOptions options,
    GovernanceLedger ledger,
    BudgetTracker budgets,
    AlertStore store,
    IBus bus,
    TimeProvider time,
    ILogger<GovernanceEvaluator> log) : BackgroundService
{
    private const int PublishBatch = 200;

    private long _rounds;
    private DateTimeOffset? _anomaliesEvaluatedAt;

    /// <summary>Evaluations completed since start (whether or not this replica held the lock).</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var result = await EvaluateAsync(time.GetUtcNow(), stoppingToken);
                    if (result.Raised > 0 || result.Published > 0)
                    {
                        LogEvaluated(log, result.Budgets, result.Series, result.Raised, result.Published);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(log, e, options.Alerts.EvaluationInterval);
                }

                await Task.Delay(options.Alerts.EvaluationInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(log);
        }
    }

    /// <summary>One evaluation at <paramref name="now"/>, then publishing what is pending.</summary>
    public async Task<EvaluationResult> EvaluateAsync(DateTimeOffset now, CancellationToken ct)
    {
        await store.EnsureCreatedAsync(ct);
        int raised = 0, series = 0;
        bool evaluated;
        await using (var conn = await store.DataSource.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await using var lockCmd = new NpgsqlCommand($"select pg_try_advisory_xact_lock(hashtext('{store.NotificationsTable}'))", conn, tx);
            evaluated = (bool)(await lockCmd.ExecuteScalarAsync(ct))!;
            if (evaluated)
            {
                foreach (var budget in options.Budgets)
                {
                    raised += await EvaluateBudgetAsync(conn, budget, now, ct);
                }

                // Anomalies are judged on complete hours: reading weeks of series again is needed once per new hour, not per round.
                var hour = UtcHour.Floor(now);
                var anomaliesDue = options.Alerts.AnomalyAlerts && _anomaliesEvaluatedAt != hour;
                if (anomaliesDue)
                {
                    (series, var anomalies) = await EvaluateAnomaliesAsync(conn, now, ct);
                    raised += anomalies;
                }

                await tx.CommitAsync(ct);
                if (anomaliesDue)
                {
                    _anomaliesEvaluatedAt = hour;
                }
            }
        }

        var result = new EvaluationResult(evaluated, options.Budgets.Count, series, raised, await PublishAsync(ct));
        Interlocked.Increment(ref _rounds);
        return result;
    }

    private async Task<int> EvaluateBudgetAsync(NpgsqlConnection conn, BudgetDefinition budget, DateTimeOffset now, CancellationToken ct)
    {
        var status = await budgets.StatusAsync(budget, now, ct);
        var states = await store.ThresholdStatesAsync(conn, budget.Name, status.PeriodStart, ct);
        var raised = 0;
        foreach (var check in status.Thresholds())
        {
            var known = states.TryGetValue(check.Key, out var wasCrossed);
            var crossing = check.Crossed && !wasCrossed && (check.Measure == ThresholdMeasure.Actual || !known);
            var leaving = !check.Crossed && wasCrossed && check.Measure == ThresholdMeasure.Actual;
            if (crossing || leaving)
            {
                await store.SetThresholdAsync(conn, budget.Name, status.PeriodStart, check.Key, check.Crossed, status.Actual, ct);
                await store.AddNotificationAsync(conn, AlertText.ForBudget(status, check, check.Crossed), ct);
                raised++;
            }
        }

        return raised;
    }

    private async Task<(int Series, int Raised)> EvaluateAnomaliesAsync(NpgsqlConnection conn, DateTimeOffset now, CancellationToken ct)
    {
        var asOf = UtcHour.Floor(now);
        var from = UtcHour.Floor(asOf - options.Alerts.AnomalyWindow);
        var all = await ledger.HourlySeriesAsync(from.AddDays(-7 * (options.Anomalies.LookbackWeeks + 1)), asOf, tenant: null, ct);
        var raised = 0;
        foreach (var series in all)
        {
            foreach (var anomaly in AnomalyDetector.Detect(series, from, options.Anomalies))
            {
                var tenant = series.Key.Dimension == "tenant" ? series.Key.Value : null;
                if (await store.UpsertAnomalyAsync(conn, AlertText.KeyOf(anomaly), anomaly, tenant, ct))
                {
                    await store.AddNotificationAsync(conn, AlertText.ForAnomaly(anomaly, tenant, ledger.Currency), ct);
                    raised++;
                }
            }
        }

        return (all.Count, raised);
    }

    private async Task<int> PublishAsync(CancellationToken ct)
    {
        var published = 0;
        while (await store.UnpublishedAsync(PublishBatch, ct) is { Count: > 0 } pending)
        {
            foreach (var alert in pending)
            {
                await bus.Publish(alert, ct);
                if (HardBudgetEvent(alert) is { } exceeded)
                {
                    await bus.Publish(exceeded, ct);
                }
            }

            await store.MarkPublishedAsync([.. pending.Select(p => p.NotificationId)], ct);
            published += pending.Count;
            if (pending.Count < PublishBatch)
            {
                break;
            }
        }

        return published;
    }

    /// <summary>The gateway event of a hard budget's 100 % actual threshold crossed or left, else null.</summary>
    private BudgetExceeded? HardBudgetEvent(GovernanceAlertRaised alert)
    {
        if (alert.Kind != "budget" || alert.Transition == AlertText.Forecast
            || alert.Fields.GetValueOrDefault("threshold") != "actual:100" || alert.Fields.GetValueOrDefault("hard") != "true"
            || options.Budgets.FirstOrDefault(b => b.Name == alert.Fields.GetValueOrDefault("budget")) is not { } budget)
        {
            return null;
        }

        var s = budget.Scope;
        return new BudgetExceeded(
            budget.Name, s.Tenant, s.Route, s.Model, s.TrafficClass, s.Provider, s.Bucket,
            DateTimeOffset.Parse(alert.Fields["period_start"], System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(alert.Fields["period_end"], System.Globalization.CultureInfo.InvariantCulture),
            budget.Amount, decimal.Parse(alert.Fields["actual"], System.Globalization.CultureInfo.InvariantCulture), alert.Fields["currency"],
            alert.Transition == AlertText.Crossed, alert.RaisedAt);
    }

    [LoggerMessage(LogLevel.Information, "Governance evaluated {Budgets} budget(s) and {Series} series: {Raised} alert(s) raised, {Published} published")]
    private static partial void LogEvaluated(ILogger logger, int budgets, int series, int raised, int published);

    [LoggerMessage(LogLevel.Warning, "Governance evaluation failed; trying again in {Delay}")]
    private static partial void LogFailed(ILogger logger, Exception e, TimeSpan delay);

    [LoggerMessage(LogLevel.Information, "Governance evaluator stopped")]
    private static partial void LogStopped(ILogger logger);
}
