using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.IntegrationTests.Reporting;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Alerts;
using TrueCost.Reporting.Governance.Budgets;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;

namespace TrueCost.IntegrationTests.Governance;

/// <summary>
/// A monthly budget of 100 USD for one tenant with thresholds at 80 and 100 %, evaluated by the reporting worker's
/// own evaluator on its schedule, delivering to two real HTTP webhooks (TrueCost JSON and Slack) over the bus.
/// </summary>
[Collection("infrastructure")]
public sealed class BudgetAlertTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Day = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Usage_crossing_80_then_100_percent_sends_exactly_two_notifications_per_webhook_and_none_again_after_a_restart()
    {
        var postgres = await infra.NewDatabaseAsync();
        await ApplySchemaAsync(postgres);
        await using var json = new WebhookReceiver(HttpStatusCode.OK);
        await using var slack = new WebhookReceiver(HttpStatusCode.OK);
        var governance = Governance(json.Url, slack.Url);
        var clock = new TestClock(Day.AddHours(9).AddMinutes(5));

        // 85.00 USD of acme by 09:00 (with 12 unpriced requests) and 30.00 of another tenant, which the budget does not count.
        await InsertCostAsync(postgres, "acme", Enumerable.Range(0, 9).Select(h => (Day.AddHours(h), h < 8 ? 10.00m : 5.00m, h == 3 ? 12L : 0L)));
        await InsertCostAsync(postgres, "globex", Enumerable.Range(0, 3).Select(h => (Day.AddHours(h), 10.00m, 0L)));
        await using (var worker = await StartAsync(postgres, governance, clock))
        {
            await Eventually.TrueAsync(() => json.Received.Count >= 1 && slack.Received.Count >= 1, Patience, () => $"{json.Received.Count} + {slack.Received.Count} POSTs; {worker.Problems()}");
            var first = JsonDocument.Parse(json.Received[0].Body).RootElement;
            Assert.Equal("budget", first.GetProperty("kind").GetString());
            Assert.Equal("crossed", first.GetProperty("transition").GetString());
            Assert.Equal("actual:80", first.GetProperty("fields").GetProperty("threshold").GetString());
            Assert.Equal("85.00", first.GetProperty("fields").GetProperty("actual").GetString());
            Assert.Equal("12", first.GetProperty("fields").GetProperty("unpriced_requests").GetString());
            Assert.Contains("12 requests", first.GetProperty("text").GetString(), StringComparison.Ordinal);

            // Two more hours: 105.00, over the amount.
            await InsertCostAsync(postgres, "acme", [(Day.AddHours(9), 10.00m, 0L), (Day.AddHours(10), 10.00m, 0L)]);
            clock.Set(Day.AddHours(11).AddMinutes(5));
            await Eventually.TrueAsync(() => json.Received.Count >= 2 && slack.Received.Count >= 2, Patience, () => $"{json.Received.Count} + {slack.Received.Count} POSTs; {worker.Problems()}");
            var second = JsonDocument.Parse(json.Received[1].Body).RootElement;
            Assert.Equal("actual:100", second.GetProperty("fields").GetProperty("threshold").GetString());
            Assert.Equal("105.00", second.GetProperty("fields").GetProperty("actual").GetString());
            var slackMessage = JsonDocument.Parse(slack.Received[1].Body).RootElement;
            Assert.StartsWith("Budget acme-monthly reached 100 %", slackMessage.GetProperty("text").GetString(), StringComparison.Ordinal);
            Assert.Equal("mrkdwn", slackMessage.GetProperty("blocks")[0].GetProperty("text").GetProperty("type").GetString());

            // The hard budget's gateway event went out once, with the amount it passed.
            await Eventually.TrueAsync(() => worker.Probe.Consumed<BudgetExceeded>().Count == 1, Patience, () => "no BudgetExceeded reached the gateway");
            var exceeded = worker.Probe.Consumed<BudgetExceeded>().Single();
            Assert.Equal(("acme-monthly", "acme", 100m, 105.00m, true), (exceeded.Budget, exceeded.Tenant, exceeded.Amount, exceeded.Actual, exceeded.Exceeded));
            Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), exceeded.PeriodStart);
            await WaitForRoundsAsync(worker, 3);
        }

        // A restart: a new worker over the same database evaluates the same period again, several times.
        await using (var restarted = await StartAsync(postgres, governance, clock))
        {
            await WaitForRoundsAsync(restarted, 5);
            clock.Set(Day.AddHours(12).AddMinutes(5));
            await WaitForRoundsAsync(restarted, 10);
            Assert.Empty(restarted.Probe.Consumed<GovernanceAlertRaised>());
            Assert.Empty(restarted.Probe.Consumed<BudgetExceeded>());
        }

        Assert.Equal(2, json.Received.Count);
        Assert.Equal(2, slack.Received.Count);
        await using var db = NpgsqlDataSource.Create(postgres);
        await using var count = db.CreateCommand("select count(*) from truecost.governance_deliveries where status = 'delivered' and attempts = 1");
        Assert.Equal(4L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_restatement_that_moves_the_total_back_under_a_threshold_is_reported_once()
    {
        var postgres = await infra.NewDatabaseAsync();
        await ApplySchemaAsync(postgres);
        await using var hook = new WebhookReceiver(HttpStatusCode.OK);
        var clock = new TestClock(Day.AddHours(9).AddMinutes(5));
        await InsertCostAsync(postgres, "acme", Enumerable.Range(0, 9).Select(h => (Day.AddHours(h), 10.00m, 0L)));
        await using var worker = await StartAsync(postgres, Governance(hook.Url, null), clock);
        await Eventually.TrueAsync(() => hook.Received.Count == 1, Patience, () => $"{hook.Received.Count} POSTs; {worker.Problems()}");

        // A late credit restates hour 08:00 down to 0: 80.00 → the 80 % threshold still holds; 70.00 does not.
        await using (var db = NpgsqlDataSource.Create(postgres))
        await using (var restate = db.CreateCommand($"update truecost.cost_hourly set direct_inference = 0, total = 0 where tenant = 'acme' and hour >= '{Day.AddHours(7):O}'"))
        {
            await restate.ExecuteNonQueryAsync();
        }

        await Eventually.TrueAsync(() => hook.Received.Count == 2, Patience, () => $"{hook.Received.Count} POSTs; {worker.Problems()}");
        var back = JsonDocument.Parse(hook.Received[1].Body).RootElement;
        Assert.Equal("back_under", back.GetProperty("transition").GetString());
        Assert.Equal("70.00", back.GetProperty("fields").GetProperty("actual").GetString());
        var rounds = worker.Services.GetRequiredService<GovernanceEvaluator>().Rounds;
        await WaitForRoundsAsync(worker, rounds + 3);
        Assert.Equal(2, hook.Received.Count);
    }

    [SkippableFact]
    public async Task A_budget_alert_is_mailed_with_its_title_as_the_subject_and_the_unpriced_usage_in_the_text()
    {
        var unavailable = await SmtpSink.UnavailableAsync();
        Skip.If(unavailable is not null, unavailable);
        var postgres = await infra.NewDatabaseAsync();
        await ApplySchemaAsync(postgres);
        await using var smtp = await SmtpSink.StartAsync();
        await using var hook = new WebhookReceiver(HttpStatusCode.OK);
        var governance = Governance(hook.Url, null);
        governance.Alerts.Email = new SmtpDeliveryOptions
        {
            Host = "127.0.0.1", Port = smtp.Port, Security = MailKit.Security.SecureSocketOptions.None, From = "truecost@example.com", To = ["finops@example.com"],
        };
        await InsertCostAsync(postgres, "acme", Enumerable.Range(0, 9).Select(h => (Day.AddHours(h), 10.00m, h == 2 ? 5L : 0L)));
        await using var worker = await StartAsync(postgres, governance, new TestClock(Day.AddHours(9).AddMinutes(5)));

        await Eventually.TrueAsync(() => smtp.Messages().Count == 1 && hook.Received.Count == 1, Patience, () => $"{smtp.Messages().Count} mails; {worker.Problems()}");
        var mail = smtp.Messages().Single();
        Assert.Equal("TrueCost: Budget acme-monthly reached 80 % of 100.00 USD", mail.Subject);
        Assert.Equal("finops@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Contains("5 requests (4,500 tokens) in scope have no price", mail.TextBody, StringComparison.Ordinal);
    }

    private static GovernanceOptions Governance(Uri json, Uri? slack)
    {
        var options = new GovernanceOptions
        {
            Budgets =
            [
                new BudgetDefinition
                {
                    Name = "acme-monthly", Amount = 100m, Period = BudgetPeriodKind.Month, Thresholds = [80m, 100m], Hard = true,
                    Scope = new BudgetScope { Tenant = "acme" },
                },
            ],
        };
        options.Alerts.EvaluationInterval = TimeSpan.FromMilliseconds(200);
        options.Alerts.AnomalyAlerts = false;
        options.Alerts.Webhooks.Add(new AlertWebhook { Name = "finops", Url = json });
        if (slack is not null)
        {
            options.Alerts.Webhooks.Add(new AlertWebhook { Name = "slack", Url = slack, Format = AlertPayloadFormat.Slack });
        }

        return options;
    }

    internal static Task<ReportingHost> StartAsync(string postgres, GovernanceOptions governance, TimeProvider clock) =>
        ReportingHost.StartAsync(
            postgres,
            ReportingHost.TestOptions(ReportingTransport.InMemory),
            services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddGovernanceAlerts(governance);
            },
            bus =>
            {
                bus.AddGovernanceConsumers();
                bus.AddConsumer<Gateway>();
            });

    internal static async Task WaitForRoundsAsync(ReportingHost worker, long rounds)
    {
        var evaluator = worker.Services.GetRequiredService<GovernanceEvaluator>();
        await Eventually.TrueAsync(() => evaluator.Rounds >= rounds, Patience, () => $"{evaluator.Rounds} evaluation rounds; {worker.Problems()}");
    }

    internal static async Task ApplySchemaAsync(string postgres)
    {
        using var store = LedgerStore.CreateStore(postgres, new LedgerOptions());
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    private static async Task InsertCostAsync(string postgres, string tenant, IEnumerable<(DateTimeOffset Hour, decimal Direct, long Unpriced)> hours)
    {
        await using var db = NpgsqlDataSource.Create(postgres);
        await using var cmd = db.CreateCommand("""
            insert into truecost.cost_hourly (hour, route, tenant, model, traffic_class, currency, direct_inference, platform_overhead, observability,
                engineering, incident, idle, total, unpriced_requests, unpriced_tokens)
            select h, 'chat', $1, 'gpt-4o', 'interactive', 'USD', d, 0, 0, 0, 0, 0, d, u, u * 900 from unnest($2::timestamptz[], $3::numeric[], $4::bigint[]) as t(h, d, u)
            """);
        var list = hours.ToList();
        cmd.Parameters.Add(new NpgsqlParameter { Value = tenant });
        cmd.Parameters.Add(new NpgsqlParameter { Value = list.Select(h => h.Hour).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = list.Select(h => h.Direct).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = list.Select(h => h.Unpriced).ToArray() });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Stands for an API gateway listening for hard budgets (the probe records what it consumed).</summary>
    private sealed class Gateway : MassTransit.IConsumer<BudgetExceeded>
    {
        public Task Consume(MassTransit.ConsumeContext<BudgetExceeded> context) => Task.CompletedTask;
    }
}
