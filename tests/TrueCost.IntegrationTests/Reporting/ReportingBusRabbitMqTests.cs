using System.Net;
using Microsoft.Extensions.Logging;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>The reporting worker on a real RabbitMQ broker, each test in its own virtual host and database.</summary>
[Collection("infrastructure")]
public sealed class ReportingBusRabbitMqTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Requested_report_is_published_once_even_when_redelivered_and_poison_requests_go_to_the_error_queue_without_blocking()
    {
        var unavailable = await RabbitMqBroker.EnsureRunningAsync();
        Skip.If(unavailable is not null, unavailable);
        var rabbit = await RabbitMqBroker.NewVirtualHostAsync();
        try
        {
            var seed = LedgerSeed.Create();
            var postgres = await infra.NewDatabaseAsync();
            await seed.ApplyAsync(postgres);
            await using var worker = await ReportingHost.StartAsync(postgres, ReportingHost.TestOptions(ReportingTransport.RabbitMq, rabbit));

            var request = new WeeklyReportRequested("2026-W47", Guid.NewGuid(), "test");
            await worker.Bus.Publish(request);
            await Eventually.TrueAsync(() => worker.Probe.Consumed<WeeklyReportPublished>().Count == 1, Patience, () => "WeeklyReportPublished never arrived");
            var published = worker.Probe.Consumed<WeeklyReportPublished>().Single();
            Assert.Equal(("2026-W47", seed.Expected(LedgerSeed.Week).Total, "USD"), (published.IsoWeek, published.Total, published.Currency));
            Assert.All(published.Files, f => Assert.True(File.Exists(f), $"{f} is missing"));

            // The same request again, as a redelivery brings it: acknowledged, not generated or published twice.
            await worker.Bus.Publish(request);
            await Eventually.TrueAsync(
                () => worker.Probe.Consumed<WeeklyReportRequested>().Count(r => r.RequestId == request.RequestId) == 2,
                Patience,
                () => "the duplicate request was not consumed");
            Assert.Single(worker.Probe.Consumed<WeeklyReportPublished>());
            Assert.Equal(1, await worker.CountAsync("select count(*) from truecost.weekly_reports"));

            // Poison: a week that does not exist and bytes that are no message at all; the good request behind them still gets through.
            await worker.Bus.Publish(new WeeklyReportRequested("2026-W99", Guid.NewGuid(), "test"));
            await RabbitMqBroker.SendRawAsync(rabbit, "weekly-report-requested", "{ this is not json"u8.ToArray(), "application/vnd.masstransit+json");
            await worker.Bus.Publish(new WeeklyReportRequested("2026-W46", Guid.NewGuid(), "test"));
            await Eventually.TrueAsync(
                () => worker.Probe.Consumed<WeeklyReportPublished>().Any(p => p.IsoWeek == "2026-W46"),
                Patience,
                () => "the good request queued behind the poison ones was not processed");
            await Eventually.TrueAsync(
                async () => await RabbitMqBroker.MessageCountAsync(rabbit, "weekly-report-requested_error") == 2,
                Patience,
                () => "the two poison messages did not both reach weekly-report-requested_error");
            Assert.Equal(seed.Expected(LedgerSeed.Week.Previous()).Total, worker.Probe.Consumed<WeeklyReportPublished>().Single(p => p.IsoWeek == "2026-W46").Total);
            Assert.Equal(2, await worker.CountAsync("select count(*) from truecost.weekly_reports"));
        }
        finally
        {
            await RabbitMqBroker.DeleteVirtualHostAsync(rabbit);
        }
    }

    [SkippableFact]
    public async Task A_webhook_that_keeps_failing_is_retried_then_the_report_is_moved_to_the_error_queue_recorded_and_logged()
    {
        var unavailable = await RabbitMqBroker.EnsureRunningAsync();
        Skip.If(unavailable is not null, unavailable);
        var rabbit = await RabbitMqBroker.NewVirtualHostAsync();
        try
        {
            var postgres = await infra.NewDatabaseAsync();
            await LedgerSeed.Create().ApplyAsync(postgres);
            await using var hook = new WebhookReceiver(HttpStatusCode.InternalServerError);
            var options = ReportingHost.TestOptions(ReportingTransport.RabbitMq, rabbit);
            options.Delivery.Webhook = new WebhookDeliveryOptions { Url = hook.Url };
            await using var worker = await ReportingHost.StartAsync(postgres, options);

            await worker.Bus.Publish(new WeeklyReportRequested("2026-W47", Guid.NewGuid(), "test"));
            await Eventually.TrueAsync(
                async () => await RabbitMqBroker.MessageCountAsync(rabbit, "weekly-report-published_error") == 1,
                Patience,
                () => $"the undeliverable report did not reach weekly-report-published_error ({hook.Received.Count} POSTs so far)");

            var attempts = options.Retry.Limit + 1;
            Assert.Equal(attempts, hook.Received.Count);
            await using var cmd = worker.DataSource.CreateCommand("select channel, status, attempts, last_error from truecost.weekly_report_deliveries");
            await using var row = await cmd.ExecuteReaderAsync();
            Assert.True(await row.ReadAsync());
            Assert.Equal(("webhook", WeeklyReportStore.Failed, attempts), (row.GetString(0), row.GetString(1), row.GetInt32(2)));
            Assert.Contains("500", row.GetString(3), StringComparison.Ordinal);
            Assert.Contains(worker.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains($"could not be delivered after {attempts} attempts", StringComparison.Ordinal));
        }
        finally
        {
            await RabbitMqBroker.DeleteVirtualHostAsync(rabbit);
        }
    }
}
