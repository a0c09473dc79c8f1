using MailKit.Net.Smtp;
using MimeKit;

namespace TrueCost.Reporting.Messaging.Delivery;

/// <summary>Addressing and sending through the configured SMTP server, one way for the weekly report and the governance alerts.</summary>
internal static class SmtpMail
{
    public static string Target(SmtpDeliveryOptions options) => $"smtp://{options.Host}:{options.Port} → {string.Join(", ", options.To)}";

    /// <summary>A message from <see cref="SmtpDeliveryOptions.From"/> to every <see cref="SmtpDeliveryOptions.To"/>; the caller disposes it.</summary>
    public static MimeMessage Addressed(SmtpDeliveryOptions options, string subject)
    {
        var message = new MimeMessage { Subject = subject };
        message.From.Add(MailboxAddress.Parse(options.From));
        message.To.AddRange(options.To.Select(MailboxAddress.Parse));
        return message;
    }

    public static async Task SendAsync(SmtpDeliveryOptions options, MimeMessage message, CancellationToken ct)
    {
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
