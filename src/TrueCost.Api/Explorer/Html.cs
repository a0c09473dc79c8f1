using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using TrueCost.Api.Auth;

namespace TrueCost.Api.Explorer;

/// <summary>A page of the explorer's navigation; <see cref="AllTenants"/> pages span tenants and are shown to unscoped keys only.</summary>
internal sealed record NavPage(string Title, string Path, bool AllTenants);

/// <summary>
/// Server-rendered HTML for the explorer: the page layout, encoded text, money, tables and chart containers. Every
/// chart is drawn by Apache ECharts (bundled into explorer.js) from a JSON data island beside it and has its data as a table
/// too, for screen readers and for copying.
/// </summary>
internal static class Html
{
    public static readonly IReadOnlyList<NavPage> Pages =
    [
        new("Overview", "/ui/", false),
        new("Explorer", "/ui/explorer", false),
        new("GPU pools", "/ui/pools", true),
        new("Findings", "/ui/findings", true),
        new("Incidents", "/ui/incidents", true),
        new("Budgets & anomalies", "/ui/governance", false),
    ];

    private static readonly JsonSerializerOptions ChartJson = new(JsonSerializerDefaults.Web);

    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string Money(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("#,##0", CultureInfo.InvariantCulture);

    public static string Percent(decimal? share) => share is null ? "–" : (share.Value * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static string Signed(decimal amount) => (amount > 0 ? "+" : amount < 0 ? "−" : "") + Money(Math.Abs(amount));

    public static string Hour(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Range(DateTimeOffset from, DateTimeOffset to) => $"{Hour(from)} – {Hour(to)} UTC";

    /// <summary>The whole document: header with navigation and the signed-in key, the page's content in &lt;main&gt;.</summary>
    public static IResult Page(HttpContext context, Caller caller, string title, string currency, string body, int status = StatusCodes.Status200OK)
    {
        var csrf = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var nav = new StringBuilder();
        foreach (var page in Pages.Where(p => caller.SeesAllTenants || !p.AllTenants))
        {
            var current = page.Title == title ? " aria-current=\"page\"" : "";
            nav.Append(CultureInfo.InvariantCulture, $"<li><a href=\"{page.Path}\"{current}>{E(page.Title)}</a></li>");
        }

        var who = caller.Tenant is null ? E(caller.KeyName) : $"{E(caller.KeyName)} <span class=\"scope\">(tenant {E(caller.Tenant)})</span>";
        return Document(context, title, $"""
            <header class="top">
              <a class="brand" href="/ui/">TrueCost</a>
              <nav aria-label="Pages"><ul>{nav}</ul></nav>
              <form class="who" method="post" action="/ui/sign-out">
                <span>Signed in as {who}</span>
                <input type="hidden" name="{E(csrf.FormFieldName)}" value="{E(csrf.RequestToken)}">
                <button type="submit">Sign out</button>
              </form>
            </header>
            <main id="main">
              <h1>{E(title)}</h1>
              {body}
            </main>
            <footer>Amounts in {E(currency)}. Hours are UTC; a range [from, to) includes from and excludes to.</footer>
            """, status);
    }

    /// <summary>A document without navigation (the sign-in page), or with the navigation above.</summary>
    public static IResult Document(HttpContext context, string title, string body, int status = StatusCodes.Status200OK)
    {
        context.Response.Headers.CacheControl = "no-store";
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)} · TrueCost</title>
            <link rel="stylesheet" href="{ExplorerAssets.Url("explorer.css")}">
            <script src="{ExplorerAssets.Url("explorer.js")}" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            {body}
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>Values that could not be read, as an alert above the content.</summary>
    public static string Problems(IReadOnlyList<string> problems) =>
        problems.Count == 0 ? "" : $"""<div class="problems" role="alert"><ul>{string.Concat(problems.Select(p => $"<li>{E(p)}</li>"))}</ul></div>""";

    /// <summary>
    /// A chart container: a figure whose caption labels the drawing, the data island ECharts draws from, and the same
    /// data as a table in a disclosure.
    /// </summary>
    public static string Chart(string id, string caption, object spec, string? table = null) => $"""
        <figure class="chart-figure">
          <figcaption id="{id}-caption">{E(caption)}</figcaption>
          <div class="chart" id="{id}" data-chart="{id}-data" role="img" aria-labelledby="{id}-caption"></div>
          <script type="application/json" id="{id}-data">{JsonSerializer.Serialize(spec, ChartJson)}</script>
          {(table is null ? "" : $"<details><summary>The chart's data as a table</summary>{table}</details>")}
        </figure>
        """;

    /// <summary>A table: the header cells, body rows (cells already encoded) and an optional footer row.</summary>
    public static string Table(string id, string caption, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<Cell>> rows, IReadOnlyList<Cell>? footer = null)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"table-wrap\"><table id=\"{id}\"><caption>{E(caption)}</caption><thead><tr>");
        foreach (var h in headers)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<th scope=\"col\">{E(h)}</th>");
        }

        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            AppendRow(sb, row);
        }

        sb.Append("</tbody>");
        if (footer is not null)
        {
            sb.Append("<tfoot>");
            AppendRow(sb, footer);
            sb.Append("</tfoot>");
        }

        sb.Append("</table></div>");
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, IReadOnlyList<Cell> row)
    {
        sb.Append("<tr>");
        for (var i = 0; i < row.Count; i++)
        {
            var tag = i == 0 ? "th scope=\"row\"" : "td";
            var end = i == 0 ? "th" : "td";
            sb.Append(CultureInfo.InvariantCulture, $"<{tag}{(row[i].Numeric ? " class=\"num\"" : "")}>{row[i].Html}</{end}>");
        }

        sb.Append("</tr>");
    }
}

/// <summary>A table cell's HTML (already encoded) and whether it is a number (right-aligned).</summary>
internal sealed record Cell(string Html, bool Numeric)
{
    public static Cell Text(string? text) => new(Explorer.Html.E(text), false);

    public static Cell Link(string text, string href) => new($"<a href=\"{Explorer.Html.E(href)}\">{Explorer.Html.E(text)}</a>", false);

    public static Cell Money(decimal amount) => new(Explorer.Html.Money(amount), true);

    public static Cell Count(long n) => new(Explorer.Html.Count(n), true);

    public static Cell Number(string formatted) => new(Explorer.Html.E(formatted), true);
}
