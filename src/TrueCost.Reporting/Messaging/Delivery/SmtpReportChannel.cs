using System.Globalization;
using MimeKit;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Messaging.Delivery;

/// <summary>Mails the report: the HTML page as the body, Markdown as the plain-text alternative, the CSV files attached.</summary>
public sealed class SmtpReportChannel(SmtpDeliveryOptions options) : IReportChannel
{
    public string Name => "smtp";

    public string Target => SmtpMail.Target(options);

    public async Task SendAsync(WeeklyReportPublished report, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var message = SmtpMail.Addressed(options, string.Create(
            CultureInfo.InvariantCulture, $"TrueCost weekly FinOps report {report.IsoWeek}{(report.Restates is null ? string.Empty : " (restated)")}: {report.Total:N2} {report.Currency}"));
        var body = new BodyBuilder
        {
            HtmlBody = await File.ReadAllTextAsync(ReportFiles.Find(report, ".html"), ct),
            TextBody = await File.ReadAllTextAsync(ReportFiles.Find(report, ".md"), ct),
        };
        foreach (var csv in report.Files.Where(f => f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)))
        {
            await body.Attachments.AddAsync(csv, ct);
        }

        message.Body = body.ToMessageBody();
        await SmtpMail.SendAsync(options, message, ct);
    }
}
