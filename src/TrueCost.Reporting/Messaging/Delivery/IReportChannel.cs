using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Messaging.Delivery;

/// <summary>One way a published report reaches people; a failure throws so the delivery is retried.</summary>
public interface IReportChannel
{
    /// <summary>Stable name, the key of the channel's delivery record.</summary>
    string Name { get; }

    /// <summary>Where it sends, for logs and the delivery record (never credentials).</summary>
    string Target { get; }

    Task SendAsync(WeeklyReportPublished report, CancellationToken ct);
}

/// <summary>Finds a report's rendering among its files by extension.</summary>
internal static class ReportFiles
{
    public static string Find(WeeklyReportPublished report, string extension) =>
        report.Files.FirstOrDefault(f => f.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
        ?? throw new FileNotFoundException($"weekly report {report.IsoWeek} ({report.ReportId}) lists no {extension} file among {report.Files.Count} files");
}
