using System.Globalization;
using System.Text;
using Npgsql;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Incidents;

namespace TrueCost.Api.Explorer;

/// <summary>
/// Incidents whose cost window overlaps the range: each one's cost by component, and the Markdown block for its
/// postmortem (the same as <c>truecost incident-cost ID</c>) with a button that copies it.
/// </summary>
internal static class IncidentsPage
{
    private const string Title = "Incidents";
    private const int MaxIncidents = 50;

    public static async Task<IResult> RenderAsync(HttpContext context, ExplorerQueries queries, NpgsqlDataSource db, LedgerOptions ledger, IncidentCostLoader loader, TimeProvider time)
    {
        if (ExplorerEndpoints.RefuseTenantKey(context, Title, queries.Currency) is { } refused)
        {
            return refused;
        }

        var ct = context.RequestAborted;
        var (caller, view) = await ViewForm.ReadAsync(context, queries, time);
        var where = new SqlWhere().Add("window_end", ">", view.From).Add("window_start", "<", view.To);
        var ids = new List<string>();
        await using (var cmd = where.Command(db, $"select incident_id from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.Incidents)} where {where.Sql} order by window_start, incident_id limit {MaxIncidents + 1}"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                ids.Add(r.GetString(0));
            }
        }

        var reports = new List<IncidentCostReport>();
        foreach (var id in ids.Take(MaxIncidents))
        {
            if (await loader.LoadAsync(id, ct) is { } report)
            {
                reports.Add(report);
            }
        }

        var body = new StringBuilder();
        body.Append(Html.Problems(view.Problems));
        body.Append(ViewForm.Render("/ui/incidents", view, caller));
        body.Append(CultureInfo.InvariantCulture, $"""
            <p class="range">{Html.E(Html.Range(view.From, view.To))}: {reports.Count} incidents{(ids.Count > MaxIncidents ? $" (the first {MaxIncidents}; narrow the range for the rest)" : "")},
            {Html.Money(reports.Sum(r => r.Total))} {Html.E(queries.Currency)} in all.</p>
            """);
        body.Append(Html.Table(
            "incidents",
            "Cost per incident by component",
            ["Incident", "Severity", "Status", "Window (UTC)", "Responder time", "Failed requests", "SLA credits", "Wasted GPU and retry tokens", "Total"],
            reports.Select(r => (IReadOnlyList<Cell>)
            [
                Cell.Link($"{r.IncidentId} · {r.Title}", $"#incident-{Anchor(r.IncidentId)}"), Cell.Text(r.Severity), Cell.Text(r.Status),
                Cell.Text($"{Html.Hour(r.WindowStart)} → {Html.Hour(r.WindowEnd)}"),
                .. r.Components.Select(c => Cell.Money(c.Amount)), Cell.Money(r.Total),
            ])));
        foreach (var (r, i) in reports.Select((r, i) => (r, i)))
        {
            body.Append(CultureInfo.InvariantCulture, $"""
                <section class="incident" id="incident-{Anchor(r.IncidentId)}" aria-labelledby="incident-{i}-title">
                  <h2 id="incident-{i}-title">{Html.E(r.IncidentId)}: {Html.E(r.Title)}</h2>
                  <p>Routes {Html.E(string.Join(", ", r.AffectedRoutes))}; tenants {Html.E(string.Join(", ", r.AffectedTenants))}.</p>
                  <button type="button" data-copy="postmortem-{i}" aria-describedby="copied-{i}">Copy the postmortem block</button>
                  <span id="copied-{i}" class="note" role="status" aria-live="polite"></span>
                  <pre id="postmortem-{i}" class="postmortem" tabindex="0" aria-label="Postmortem block of {Html.E(r.IncidentId)} (Markdown)">{Html.E(IncidentCostRenderer.ToMarkdown(r))}</pre>
                </section>
                """);
        }

        return Html.Page(context, caller, Title, queries.Currency, body.ToString());
    }

    private static string Anchor(string id) => Uri.EscapeDataString(id);
}
