using System.Globalization;
using System.Text.RegularExpressions;
using ScottPlot;

namespace TrueCost.Reporting.Weekly;

/// <summary>The report's charts as SVG markup (ScottPlot 5), ready to inline into an HTML page.</summary>
public static partial class ReportCharts
{
    private static readonly string[] BucketLabels = ["Direct inference", "Platform overhead", "Observability", "Engineering", "Incident"];

    /// <summary>One stacked bar per day of the week, one segment per cost bucket.</summary>
    public static string DailyBuckets(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        for (var d = 0; d < report.Days.Count; d++)
        {
            var stacked = 0.0;
            var buckets = report.Days[d].Amounts.Five;
            for (var b = 0; b < buckets.Count; b++)
            {
                var amount = (double)buckets[b].Amount;
                bars.Add(new Bar { Position = d, ValueBase = stacked, Value = stacked + amount, FillColor = palette.GetColor(b), LineWidth = 0 });
                stacked += amount;
            }
        }

        plot.Add.Bars(bars);
        for (var b = 0; b < BucketLabels.Length; b++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = BucketLabels[b], FillColor = palette.GetColor(b) });
        }

        plot.ShowLegend(Edge.Right);
        plot.Axes.Bottom.SetTicks(
            [.. Enumerable.Range(0, report.Days.Count).Select(i => (double)i)],
            [.. report.Days.Select(d => d.Day.ToString("ddd dd MMM", CultureInfo.InvariantCulture))]);
        plot.Axes.Margins(bottom: 0);
        plot.Axes.Left.Label.Text = report.Currency;
        plot.Title($"Cost per day by bucket, {report.Week}");
        return Inline(plot.GetSvgXml(960, 420), "daily-buckets");
    }

    /// <summary>
    /// Mean GPU utilization per pool (rows) and hour of the week (columns); hours with no samples stay blank.
    /// None when no pool reported in the week.
    /// </summary>
    public static string? UtilizationHeatmap(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var pools = report.Pools.Select(p => p.Pool).ToList();
        if (pools.Count == 0)
        {
            return null;
        }

        const int Hours = 7 * 24;
        var cells = new double[pools.Count, Hours];
        for (var row = 0; row < pools.Count; row++)
        {
            for (var col = 0; col < Hours; col++)
            {
                cells[row, col] = double.NaN;
            }
        }

        foreach (var hour in report.PoolHours.Where(h => h.UtilMean is not null))
        {
            var col = (int)((hour.Hour - report.Week.Start).TotalHours);
            if (col is >= 0 and < Hours)
            {
                cells[pools.IndexOf(hour.Pool), col] = hour.UtilMean!.Value;
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 100);
        heatmap.NaNCellColor = Colors.WhiteSmoke;
        heatmap.Extent = new CoordinateRect(0, Hours, 0, pools.Count);
        plot.Add.ColorBar(heatmap).Label = "GPU utilization %";

        // The first row of the intensity array is drawn at the top, so row i is centred at count − i − ½.
        plot.Axes.Left.SetTicks([.. pools.Select((_, i) => pools.Count - i - 0.5)], [.. pools]);
        plot.Axes.Bottom.SetTicks(
            [.. Enumerable.Range(0, 7).Select(d => d * 24.0)],
            [.. Enumerable.Range(0, 7).Select(d => report.Week.Start.AddDays(d).ToString("ddd dd", CultureInfo.InvariantCulture))]);
        plot.Axes.Margins(0, 0);
        plot.Title($"GPU utilization per pool and hour (UTC), {report.Week}");
        return Inline(plot.GetSvgXml(960, 120 + (40 * pools.Count)), "utilization");
    }

    /// <summary>
    /// Drops the XML declaration and prefixes element ids (and the references to them) with <paramref name="scope"/>,
    /// so several charts can share one HTML document without their clip paths and images colliding.
    /// </summary>
    public static string Inline(string svg, string scope)
    {
        ArgumentNullException.ThrowIfNull(svg);
        var body = svg[svg.IndexOf("<svg", StringComparison.Ordinal)..];
        body = IdAttribute().Replace(body, m => $"id=\"{scope}-{m.Groups[1].Value}\"");
        body = UrlReference().Replace(body, m => $"url(#{scope}-{m.Groups[1].Value})");
        return HrefReference().Replace(body, m => $"{m.Groups[1].Value}=\"#{scope}-{m.Groups[2].Value}\"");
    }

    [GeneratedRegex("\\bid=\"([^\"]+)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex UrlReference();

    [GeneratedRegex("(xlink:href|href)=\"#([^\"]+)\"")]
    private static partial Regex HrefReference();
}
