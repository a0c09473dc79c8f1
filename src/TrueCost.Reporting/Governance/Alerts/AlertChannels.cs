using System.Net.Http.Json;
using System.Text.Json;
using MimeKit;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;
using TrueCost.Reporting.Messaging.Delivery;

namespace TrueCost.Reporting.Governance.Alerts;

/// <summary>One way an alert reaches people; a failure throws so the delivery is retried.</summary>
public interface IAlertChannel
{
    /// <summary>Stable name, the key of the channel's delivery record.</summary>
    string Name { get; }

    /// <summary>Where it sends, for logs and the delivery record (never credentials).</summary>
    string Target { get; }

    Task SendAsync(GovernanceAlertRaised alert, CancellationToken ct);
}

/// <summary>POSTs the alert as TrueCost JSON or as a Slack incoming-webhook message; any non-2xx answer is a failure.</summary>
public sealed class WebhookAlertChannel(AlertWebhook options) : IAlertChannel, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = new() { Timeout = options.Timeout };

    public string Name => $"webhook:{options.Name}";

    public string Target => options.Url!.GetLeftPart(UriPartial.Path);

    public async Task SendAsync(GovernanceAlertRaised alert, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        object payload = options.Format == AlertPayloadFormat.Slack ? SlackMessage(alert) : alert;
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = JsonContent.Create(payload, options: Json) };
        request.Headers.Add("X-TrueCost-Alert-Id", alert.NotificationId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"webhook {options.Name} ({Target}) answered {(int)response.StatusCode} {response.ReasonPhrase} for alert {alert.NotificationId} ({alert.AlertKey})",
                inner: null,
                response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Slack's message shape: <c>text</c> (the notification's fallback) and one mrkdwn section block.</summary>
    public static object SlackMessage(GovernanceAlertRaised alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var body = $"*{Escape(alert.Title)}*\n{Escape(alert.Text)}";
        return new
        {
            text = alert.Title,
            blocks = new object[] { new { type = "section", text = new { type = "mrkdwn", text = body } } },
        };
    }

    /// <summary>Slack reads &amp;, &lt; and &gt; as control characters in message text.</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

/// <summary>Mails the alert as plain text, its title the subject.</summary>
public sealed class SmtpAlertChannel(SmtpDeliveryOptions options) : IAlertChannel
{
    public string Name => "email";

    public string Target => SmtpMail.Target(options);

    public async Task SendAsync(GovernanceAlertRaised alert, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        using var message = SmtpMail.Addressed(options, $"TrueCost: {alert.Title}");
        message.Body = new TextPart("plain") { Text = alert.Text };
        await SmtpMail.SendAsync(options, message, ct);
    }
}
