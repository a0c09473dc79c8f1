using System.Globalization;
using MailKit.Net.Smtp;
using MimeKit;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Messaging.Delivery;

/// <summary>Mails the report: the HTML page as the body, Markdown as the plain-text alternative, the CSV files attached.</summary>
public sealed class SmtpReportChannel(SmtpDeliveryOptions options) : IReportChannel
{
    public string Name => "smtp";

    public string Target => $"smtp://{options.Host}:{options.Port} → {string.Join(", ", options.To)}";

    public async Task SendAsync(WeeklyReportPublished report, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(report);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.AddRange(options.To.Select(MailboxAddress.Parse));
        message.Subject = string.Create(CultureInfo.InvariantCulture, $"TrueCost weekly FinOps report {report.IsoWeek}{(report.Restates is null ? string.Empty : " (restated)")}: {report.Total:N2} {report.Currency}");
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
        using var client = new SmtpClient();
        await client.ConnectAsync(options.Host, options.Port, options.Security, ct);
        if (!string.IsNullOrEmpty(options.Username))
        {
            await client.AuthenticateAsync(options.Username, options.Password ?? string.Empty, ct);
        }

        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}
