using System.Net;
using System.Text.Json;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>The reporting worker on the in-memory transport (the embedded run), delivering to a real SMTP server and a local webhook.</summary>
[Collection("infrastructure")]
public sealed class EmbeddedReportingBusTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Published_report_is_mailed_over_smtp_and_posted_to_the_webhook_once_each_even_when_published_again()
    {
        var unavailable = await SmtpSink.UnavailableAsync();
        Skip.If(unavailable is not null, unavailable);
        var seed = LedgerSeed.Create();
        var postgres = await infra.NewDatabaseAsync();
        await seed.ApplyAsync(postgres);
        await using var smtp = await SmtpSink.StartAsync();
        await using var hook = new WebhookReceiver(HttpStatusCode.OK);
        var options = ReportingHost.TestOptions(ReportingTransport.InMemory);
        options.Delivery.Smtp = new SmtpDeliveryOptions
        {
            Host = "127.0.0.1", Port = smtp.Port, Security = MailKit.Security.SecureSocketOptions.None, From = "truecost@example.com", To = ["finops@example.com"],
        };
        options.Delivery.Webhook = new WebhookDeliveryOptions { Url = hook.Url };
        await using var worker = await ReportingHost.StartAsync(postgres, options);

        await worker.Bus.Publish(new WeeklyReportRequested("2026-W47", Guid.NewGuid(), "test"));
        await Eventually.TrueAsync(() => smtp.Messages().Count == 1 && hook.Received.Count == 1, Patience, () => $"{smtp.Messages().Count} mails, {hook.Received.Count} POSTs; {worker.Problems()}");
        var published = worker.Probe.Consumed<WeeklyReportPublished>().Single();
        var total = seed.Expected(LedgerSeed.Week).Total;

        var mail = smtp.Messages().Single();
        Assert.Contains("2026-W47", mail.Subject, StringComparison.Ordinal);
        Assert.Equal("finops@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Contains("<svg", mail.HtmlBody ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("Totals per bucket", mail.HtmlBody ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("# TrueCost weekly FinOps report — 2026-W47", mail.TextBody ?? string.Empty, StringComparison.Ordinal);
        var buckets = mail.Attachments.OfType<MimeKit.MimePart>().Single(a => a.FileName?.EndsWith("-buckets.csv", StringComparison.Ordinal) == true);
        using (var content = new MemoryStream())
        {
            await buckets.Content!.DecodeToAsync(content);
            Assert.Contains($"total,{total.ToString(System.Globalization.CultureInfo.InvariantCulture)},", System.Text.Encoding.UTF8.GetString(content.ToArray()), StringComparison.Ordinal);
        }

        var (body, reportId) = hook.Received.Single();
        using var json = JsonDocument.Parse(body);
        Assert.Equal("2026-W47", json.RootElement.GetProperty("isoWeek").GetString());
        Assert.Equal(total, json.RootElement.GetProperty("total").GetDecimal());
        Assert.Contains("## Totals per bucket", json.RootElement.GetProperty("markdown").GetString(), StringComparison.Ordinal);
        Assert.Equal(published.ReportId.ToString(), reportId);
        Assert.Equal(2, await worker.CountAsync($"select count(*) from truecost.weekly_report_deliveries where status = '{WeeklyReportStore.Delivered}' and attempts = 1"));

        // The same publication again (a redelivery): every channel already has it, so nothing is sent twice.
        await worker.Bus.Publish(published);
        await Eventually.TrueAsync(() => worker.Probe.Consumed<WeeklyReportPublished>().Count == 2, Patience, () => "the repeated publication was not consumed");
        Assert.Equal((1, 1), (smtp.Messages().Count, hook.Received.Count));
    }

    [Fact]
    public async Task A_reallocated_hour_marks_the_reports_already_generated_for_its_week_as_stale_and_awaiting_restatement()
    {
        var postgres = await infra.NewDatabaseAsync();
        await LedgerSeed.Create().ApplyAsync(postgres);
        await using var worker = await ReportingHost.StartAsync(postgres, ReportingHost.TestOptions(ReportingTransport.InMemory));
        await worker.Bus.Publish(new WeeklyReportRequested("2026-W47", Guid.NewGuid(), "test"));
        await Eventually.TrueAsync(() => worker.Probe.Consumed<WeeklyReportPublished>().Count == 1, Patience, () => "no report was published");
        var generatedAt = worker.Probe.Consumed<WeeklyReportPublished>().Single().GeneratedAt;

        await worker.Bus.Publish(new HourAllocated(1, LedgerSeed.Week.Start.AddHours(30), 10m, 12.34m, "USD", "test", generatedAt.AddMinutes(1)));
        await worker.Bus.Publish(new HourAllocated(2, LedgerSeed.Week.End.AddHours(1), null, 1m, "USD", "test", generatedAt.AddMinutes(1)));
        await Eventually.TrueAsync(() => worker.Probe.Consumed<HourAllocated>().Count == 2, Patience, () => "HourAllocated was not consumed");
        Assert.Equal(1, await worker.CountAsync("select count(*) from truecost.weekly_reports where iso_week = '2026-W47' and stale_since is not null"));
        Assert.Equal(1, await worker.CountAsync("select count(*) from truecost.weekly_restatements_pending where iso_week = '2026-W47'"));
        Assert.Equal(1, await worker.CountAsync("select count(*) from truecost.weekly_restatements_pending"));
    }
}
