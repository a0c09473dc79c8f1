using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>
/// Late invoices change hours of a week whose report was already published: the allocator's outbox (hour_changes) is
/// relayed by the worker, and the week's report is re-issued once, restating the earlier one. In-memory transport.
/// </summary>
[Collection("infrastructure")]
public sealed class RestatedReportTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Hour_changes_after_publication_restate_the_report_of_their_week_once_and_leave_other_weeks_alone()
    {
        var seed = LedgerSeed.Create();
        var postgres = await infra.NewDatabaseAsync();
        await seed.ApplyAsync(postgres);
        var options = ReportingHost.TestOptions(ReportingTransport.InMemory);
        options.Restatement = new RestatementOptions { PollInterval = TimeSpan.FromMilliseconds(100), QuietPeriod = TimeSpan.FromSeconds(2) };
        await using var hook = new WebhookReceiver(HttpStatusCode.OK);
        options.Delivery.Webhook = new WebhookDeliveryOptions { Url = hook.Url };
        await using var worker = await ReportingHost.StartAsync(postgres, options);
        var w47 = LedgerSeed.Week;
        var w46 = w47.Previous();
        await worker.Bus.Publish(new WeeklyReportRequested(w46.ToString(), Guid.NewGuid(), "test"));
        await worker.Bus.Publish(new WeeklyReportRequested(w47.ToString(), Guid.NewGuid(), "test"));
        await Eventually.TrueAsync(() => worker.Probe.Consumed<WeeklyReportPublished>().Count == 2, Patience, () => $"the first reports were not published; {worker.Problems()}");
        var original = worker.Probe.Consumed<WeeklyReportPublished>().Single(p => p.IsoWeek == w47.ToString());

        // A late invoice adds 1.25 to the chat route in every seeded hour of W47 and, corrected, takes 0.25 back from
        // one of them; W48 (no report) changes too. One transaction per hour, as the allocator writes them.
        var w47Hours = seed.Cost.Where(r => r.Route == "chat" && r.Hour >= w47.Start && r.Hour < w47.End).Select(r => r.Hour).ToList();
        foreach (var hour in w47Hours)
        {
            await ReallocateAsync(worker.DataSource, hour, 1.25m, "invoice line inv-9 (late)");
        }

        await ReallocateAsync(worker.DataSource, w47Hours[0], -0.25m, "invoice line inv-9 corrected");
        await ReallocateAsync(worker.DataSource, w47.End.AddHours(3), 2m, "invoice line inv-10");
        var newTotal = seed.Expected(w47).Total + (1.25m * w47Hours.Count) - 0.25m;

        await Eventually.TrueAsync(
            () => worker.Probe.Consumed<WeeklyReportPublished>().Count == 3,
            Patience,
            () => $"{worker.Probe.Consumed<HourAllocated>().Count} changes consumed, no restated report; {worker.Problems()}");
        await Eventually.TrueAsync(
            async () => await worker.CountAsync($"select count(*) from truecost.{RelayCursor}") == 1
                && await worker.CountAsync("select count(*) from truecost.weekly_restatements_pending") == 0,
            Patience,
            () => "the relay did not pass every change, or a restatement is still pending");

        var restated = worker.Probe.Consumed<WeeklyReportPublished>().Single(p => p.Restates is not null);
        Assert.Equal(w47.ToString(), restated.IsoWeek);
        Assert.Equal(original.ReportId, restated.Restates);
        Assert.Equal(newTotal, restated.Total);
        Assert.Equal(w47Hours.Count + 2, worker.Probe.Consumed<HourAllocated>().Count);
        Assert.Equal(1, await worker.CountAsync(
            $"select count(*) from truecost.weekly_reports where report_id = '{original.ReportId}' and restated_at is not null and restated_by = '{restated.ReportId}'"));
        Assert.Equal(1, await worker.CountAsync(
            $"select count(*) from truecost.weekly_reports where report_id = '{restated.ReportId}' and restatement_of = '{original.ReportId}' and restated_at is null"));
        Assert.Equal(2, await worker.CountAsync($"select count(*) from truecost.weekly_reports where iso_week = '{w47}'"));
        Assert.Equal(0, await worker.CountAsync($"select count(*) from truecost.weekly_reports where iso_week = '{w46}' and (restated_at is not null or stale_since is not null)"));
        Assert.Equal(0, await worker.CountAsync($"select count(*) from truecost.weekly_reports where iso_week = '{w47.Next()}'"));

        var markdown = await File.ReadAllTextAsync(restated.Files.Single(f => f.EndsWith(".md", StringComparison.Ordinal)));
        Assert.Contains($"Restated: this report replaces report {original.ReportId}", markdown, StringComparison.Ordinal);
        Assert.Contains(
            string.Create(CultureInfo.InvariantCulture, $"Total {original.Total:N2} USD → {newTotal:N2} USD (+{newTotal - original.Total:N2} USD)"),
            markdown,
            StringComparison.Ordinal);
        Assert.Contains($"{w47Hours.Count} hour(s) on 7 day(s) were re-allocated since", markdown, StringComparison.Ordinal);
        Assert.Contains("## Restated: days that changed since the earlier report", markdown, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => hook.Received.Count == 3, Patience, () => $"{hook.Received.Count} POSTs; {worker.Problems()}");
        var (body, _) = hook.Received.Single(r => r.ReportId == restated.ReportId.ToString());
        using (var json = JsonDocument.Parse(body))
        {
            Assert.Equal(original.ReportId, json.RootElement.GetProperty("restates").GetGuid());
            Assert.Contains("Restated: this report replaces", json.RootElement.GetProperty("markdown").GetString(), StringComparison.Ordinal);
        }

        var html = await File.ReadAllTextAsync(restated.Files.Single(f => f.EndsWith(".html", StringComparison.Ordinal)));
        Assert.Contains($"data-restates=\"{original.ReportId}\"", html, StringComparison.Ordinal);
    }

    private const string RelayCursor = "hour_change_cursors where last_id = (select max(id) from truecost.hour_changes)";

    /// <summary>Moves <paramref name="delta"/> onto the chat row of an hour and records it in hour_changes, in one transaction.</summary>
    private static async Task ReallocateAsync(NpgsqlDataSource dataSource, DateTimeOffset hour, decimal delta, string reason)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand("""
            with before as (select coalesce(sum(total), 0) as total from truecost.cost_hourly where hour = $1),
                 moved as (
                     insert into truecost.cost_hourly (hour, route, tenant, model, traffic_class, currency,
                         direct_inference, platform_overhead, observability, engineering, incident, idle, total)
                     values ($1, 'chat', 'acme', 'gpt-4o', 'interactive', 'USD', $2, 0, 0, 0, 0, 0, $2)
                     on conflict (hour, route, tenant, model, traffic_class) do update
                     set direct_inference = truecost.cost_hourly.direct_inference + $2, total = truecost.cost_hourly.total + $2
                     returning 1)
            insert into truecost.hour_changes (hour, previous_total, new_total, currency, reason)
            select $1, nullif(before.total, 0), before.total + $2, 'USD', $3 from before, moved
            """, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = hour });
        cmd.Parameters.Add(new NpgsqlParameter { Value = delta });
        cmd.Parameters.Add(new NpgsqlParameter { Value = reason });
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        await tx.CommitAsync();
    }
}
