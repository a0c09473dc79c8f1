namespace TrueCost.Ledger.Incidents;

/// <summary>Each incident's lifecycle events live in a stream of its own, keyed by this rule.</summary>
public static class IncidentStreams
{
    private const string Prefix = "incident/";

    public static string Key(string incidentId) => Prefix + incidentId;
}
