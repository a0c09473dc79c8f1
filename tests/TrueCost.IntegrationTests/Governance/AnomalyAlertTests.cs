using System.Net;
using System.Text.Json;
using Npgsql;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.IntegrationTests.Reporting;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Alerts;
using TrueCost.Reporting.Messages;

namespace TrueCost.IntegrationTests.Governance;

/// <summary>The reporting worker's evaluator raising anomaly alerts from cost_hourly to a real webhook.</summary>
[Collection("infrastructure")]
public sealed class AnomalyAlertTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_spike_raises_one_alert_per_anomalous_series_with_its_impact_and_none_again_on_later_rounds_or_after_a_restart()
    {
        var postgres = await infra.NewDatabaseAsync();
        await BudgetAlertTests.ApplySchemaAsync(postgres);
        var history = new SpikedHistory(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));
        await using (var db = NpgsqlDataSource.Create(postgres))
        {
            await history.SeedAsync(db);
        }

        await using var hook = new WebhookReceiver(HttpStatusCode.OK);
        var governance = new GovernanceOptions();
        governance.Alerts.EvaluationInterval = TimeSpan.FromMilliseconds(200);
        governance.Alerts.Webhooks.Add(new AlertWebhook { Name = "sre", Url = hook.Url });
        var clock = new TestClock(history.End.AddMinutes(5));

        int raised;
        await using (var worker = await BudgetAlertTests.StartAsync(postgres, governance, clock))
        {
            await BudgetAlertTests.WaitForRoundsAsync(worker, 3);
            await Eventually.TrueAsync(
                () => worker.Probe.Consumed<GovernanceAlertRaised>().Count == hook.Received.Count && hook.Received.Count > 0,
                Patience,
                () => $"{hook.Received.Count} POSTs; {worker.Problems()}");
            raised = hook.Received.Count;
        }

        var alerts = hook.Received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.All(alerts, a => Assert.Equal(("anomaly", "detected"), (a.GetProperty("kind").GetString(), a.GetProperty("transition").GetString())));
        Assert.Equal(alerts.Count, alerts.Select(a => a.GetProperty("alertKey").GetString()).Distinct().Count());
        var chat = alerts.Single(a => a.GetProperty("fields").GetProperty("series").GetString() == "route=chat/total" && a.GetProperty("fields").GetProperty("granularity").GetString() == "hour");
        Assert.Equal(history.SpikeStart, DateTimeOffset.Parse(chat.GetProperty("fields").GetProperty("start").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        var impact = decimal.Parse(chat.GetProperty("fields").GetProperty("impact").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(impact, history.InjectedImpact * 0.85m, history.InjectedImpact * 1.15m);
        Assert.Contains("Cost anomaly: route chat", chat.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(alerts, a => a.GetProperty("fields").GetProperty("series").GetString()!.Contains("globex", StringComparison.Ordinal));

        await using (var restarted = await BudgetAlertTests.StartAsync(postgres, governance, clock))
        {
            await BudgetAlertTests.WaitForRoundsAsync(restarted, 5);
            Assert.Empty(restarted.Probe.Consumed<GovernanceAlertRaised>());
        }

        Assert.Equal(raised, hook.Received.Count);
    }
}
