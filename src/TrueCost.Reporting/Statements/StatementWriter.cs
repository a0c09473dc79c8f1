using System.Text;

namespace TrueCost.Reporting.Statements;

/// <summary>Writes a statement's HTML page and FOCUS-shaped CSV into a directory, named after the tenant and month.</summary>
public static class StatementWriter
{
    public static async Task<IReadOnlyList<string>> WriteAsync(Statement statement, string directory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(statement);
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(Path.GetFullPath(directory), FileStem(statement.Tenant, statement.Month));
        var files = new[] { (Path: stem + ".html", Text: StatementHtml.Render(statement)), (Path: stem + ".csv", Text: StatementCsv.Render(statement)) };
        foreach (var (path, text) in files)
        {
            await File.WriteAllTextAsync(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), ct);
        }

        return [.. files.Select(f => f.Path)];
    }

    /// <summary><c>statement-{tenant}-{YYYY-MM}</c>, the tenant's characters outside letters, digits, '-', '_' and '.' replaced by '_'.</summary>
    public static string FileStem(string tenant, StatementMonth month)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var safe = string.Concat(tenant.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')).TrimStart('.');
        return $"statement-{(safe.Length == 0 ? "_" : safe)}-{month}";
    }
}
