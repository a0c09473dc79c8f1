using System.Text;

namespace TrueCost.Reporting.Weekly;

/// <summary>Writes a report's HTML, Markdown and CSV renderings into a directory and returns their paths.</summary>
public static class WeeklyReportWriter
{
    public static async Task<IReadOnlyList<string>> WriteAsync(WeeklyReport report, string directory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(Path.GetFullPath(directory), $"truecost-weekly-{report.Week}");
        var files = new List<(string Path, string Text)>
        {
            ($"{stem}.html", HtmlReportRenderer.Render(report)),
            ($"{stem}.md", MarkdownReportRenderer.Render(report)),
        };
        files.AddRange(CsvReportRenderer.Render(report).Select(t => ($"{stem}-{t.Id}.csv", t.Csv)));
        foreach (var (path, text) in files)
        {
            await File.WriteAllTextAsync(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), ct);
        }

        return [.. files.Select(f => f.Path)];
    }
}
