using System.Net.Http.Json;
using System.Text.Json;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Messaging.Delivery;

/// <summary>POSTs the report as JSON (its figures, file paths, Markdown and the report it restates, if any); any non-2xx answer is a failure.</summary>
public sealed class WebhookReportChannel(WebhookDeliveryOptions options) : IReportChannel, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = new() { Timeout = options.Timeout };

    public string Name => "webhook";

    public string Target => options.Url!.GetLeftPart(UriPartial.Path);

    public async Task SendAsync(WeeklyReportPublished report, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(report);
        var payload = new WebhookPayload(
            report.IsoWeek, report.ReportId, report.Total, report.Currency, report.GeneratedAt, report.Files,
            await File.ReadAllTextAsync(ReportFiles.Find(report, ".md"), ct),
            report.Restates);
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = JsonContent.Create(payload, options: Json) };
        request.Headers.Add("X-TrueCost-Report-Id", report.ReportId.ToString());
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"webhook {Target} answered {(int)response.StatusCode} {response.ReasonPhrase} for weekly report {report.IsoWeek} ({report.ReportId})",
                inner: null,
                response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();

    public sealed record WebhookPayload(string IsoWeek, Guid ReportId, decimal Total, string Currency, DateTimeOffset GeneratedAt, IReadOnlyList<string> Files, string Markdown, Guid? Restates);
}
