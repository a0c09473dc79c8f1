using System.Text;
using TrueCost.Ingest.InvoiceLines;
using TrueCost.UnitTests.Contracts;

namespace TrueCost.UnitTests.Import;

/// <summary>Reads FOCUS CSV text and the checked-in example files the way the importer does, on a fixed clock.</summary>
internal static class FocusFiles
{
    /// <summary>After every charge period in the examples, so only the deliberately future row is "in the future".</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static string ExamplesPath => Path.Combine(RepoFiles.Schemas, "examples", "focus");

    public static List<FocusRow> Read(string csv, string fileName = "focus-2026-10.csv") => Read(Encoding.UTF8.GetBytes(csv), fileName);

    public static List<FocusRow> Read(byte[] bytes, string fileName)
    {
        using var stream = new MemoryStream(bytes);
        return [.. new FocusCsvReader(new FixedClock(Now)).Read(stream, fileName)];
    }

    public static List<FocusRow> ReadExample(string name) => Read(File.ReadAllBytes(Path.Combine(ExamplesPath, name)), name);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
