using System.Text.RegularExpressions;
using SkiaSharp;
using TrueCost.Reporting.Weekly;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>The HTML report as a browser shows it: Debian's headless Chromium lays it out, dumps the DOM and takes a screenshot.</summary>
public sealed partial class HtmlReportRenderingTests
{
    [SkippableFact]
    public async Task Html_report_shows_the_daily_bucket_chart_and_the_utilization_heatmap_in_headless_chromium()
    {
        Skip.IfNot(File.Exists(Chromium.Binary), $"{Chromium.Binary} is missing (apt-get install -y chromium)");
        var report = SampleReport.Create();
        var directory = Directory.CreateTempSubdirectory("truecost-html-").FullName;
        try
        {
            var html = (await WeeklyReportWriter.WriteAsync(report, directory, CancellationToken.None)).Single(f => f.EndsWith(".html", StringComparison.Ordinal));

            var dom = await Chromium.RunAsync(html, "--dump-dom");
            Assert.True(dom.ExitCode == 0, dom.Describe("chromium --dump-dom"));
            var daily = Figure(dom.Stdout, "chart-daily-buckets");
            Assert.Contains("<svg", daily, StringComparison.Ordinal);
            Assert.True(Shapes().Count(daily) >= 7 * 5, $"expected at least 35 bar segments in the daily chart, the DOM has {Shapes().Count(daily)} shapes");
            var heatmap = Figure(dom.Stdout, "chart-utilization-heatmap");
            Assert.Contains("<svg", heatmap, StringComparison.Ordinal);
            Assert.Contains("<image", heatmap, StringComparison.Ordinal);
            Assert.Contains("pool-a100", heatmap, StringComparison.Ordinal);

            var png = Path.Combine(directory, "report.png");
            var shot = await Chromium.RunAsync(html, $"--screenshot={png}");
            Assert.True(shot.ExitCode == 0 && File.Exists(png), shot.Describe("chromium --screenshot"));
            Assert.True(new FileInfo(png).Length > 20_000, $"screenshot is only {new FileInfo(png).Length} bytes");
            using var bitmap = SKBitmap.Decode(png);
            var pixels = bitmap.Pixels;
            Assert.True(pixels.Distinct().Count() > 200, "the screenshot is nearly one colour");

            // The bars are filled with the Category10 palette and the heatmap with Viridis: find them on screen.
            Assert.True(Count(pixels, new SKColor(0x1f, 0x77, 0xb4)) > 2_000, "no direct-inference (blue) bar segments visible");
            Assert.True(Count(pixels, new SKColor(0xff, 0x7f, 0x0e)) > 500, "no platform-overhead (orange) bar segments visible");
            var viridis = ViridisColours();
            var heat = pixels.Count(p => viridis.Contains(Key(p)));
            Assert.True(heat > 5_000, $"only {heat} heatmap-coloured pixels visible");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Figure(string dom, string id)
    {
        var start = dom.IndexOf($"<figure id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"figure {id} is not in the rendered DOM");
        return dom[start..dom.IndexOf("</figure>", start, StringComparison.Ordinal)];
    }

    private static int Count(SKColor[] pixels, SKColor colour) => pixels.Count(p => p.Red == colour.Red && p.Green == colour.Green && p.Blue == colour.Blue);

    /// <summary>Viridis colours, widened by ±3 per channel for the browser's image scaling.</summary>
    private static HashSet<int> ViridisColours()
    {
        var map = new ScottPlot.Colormaps.Viridis();
        var set = new HashSet<int>();
        for (var i = 0; i < 256; i++)
        {
            var c = map.GetColor(i / 255.0);
            for (var dr = -3; dr <= 3; dr++)
            {
                for (var dg = -3; dg <= 3; dg++)
                {
                    for (var db = -3; db <= 3; db++)
                    {
                        set.Add(Key(new SKColor((byte)Math.Clamp(c.R + dr, 0, 255), (byte)Math.Clamp(c.G + dg, 0, 255), (byte)Math.Clamp(c.B + db, 0, 255))));
                    }
                }
            }
        }

        return set;
    }

    private static int Key(SKColor c) => (c.Red << 16) | (c.Green << 8) | c.Blue;

    [GeneratedRegex("<(path|rect)\\b")]
    private static partial Regex Shapes();
}
