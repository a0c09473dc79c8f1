using System.Text.Json;
using Marten;
using Npgsql;
using TrueCost.Ledger.Incidents;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Time;

namespace TrueCost.Reporting.Incidents;

/// <summary>
/// Reads what an incident cost report needs: the incidents row, the cost_hourly rows of its window,
/// and its event stream for the timeline. Returns null when no such incident exists.
/// </summary>
public sealed class IncidentCostLoader(NpgsqlDataSource dataSource, IDocumentStore events, LedgerOptions ledger)
{

    private readonly string _incidents = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.Incidents);
    private readonly string _cost = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostHourly);

    public async Task<IncidentCostReport?> LoadAsync(string incidentId, CancellationToken ct)
    {
        var row = await RowAsync(incidentId, ct);
        if (row is null)
        {
            return null;
        }

        var costRows = await CostRowsAsync(row, ct);
        await using var session = events.QuerySession();
        var stream = await session.Events.FetchStreamAsync(IncidentStreams.Key(incidentId), token: ct);
        var timeline = stream.Count == 0 ? null : IncidentTimeline.Fold(incidentId, stream.Select(e => e.Data).OfType<IIncidentEvent>());
        return IncidentCostReport.Build(row, costRows, timeline, ledger.Incidents, ledger.Currency);
    }

    private async Task<IncidentRow?> RowAsync(string incidentId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select {IncidentRow.Columns} from {_incidents} where incident_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = incidentId });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? IncidentRow.Read(r) : null;
    }

    private async Task<List<IncidentBucketRow>> CostRowsAsync(IncidentRow row, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select hour, route, tenant, model, traffic_class, incident from {_cost}
            where hour >= $1 and hour < $2 and incident <> 0 and currency = $3
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = UtcHour.Floor(row.WindowStart) });
        cmd.Parameters.Add(new NpgsqlParameter { Value = row.WindowEnd > row.WindowStart ? row.WindowEnd : row.WindowStart.AddTicks(1) });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ledger.Currency });
        var rows = new List<IncidentBucketRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new IncidentBucketRow(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetDecimal(5)));
        }

        return rows;
    }
}
