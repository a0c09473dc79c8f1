using System.Diagnostics.Metrics;
using TrueCost.Ledger.Observability;

namespace TrueCost.Reporting.Messaging;

/// <summary>The reporting worker's instruments: weekly report runs by outcome, and deliveries by channel and outcome.</summary>
public static class ReportingMetrics
{
    public static readonly Counter<long> Runs = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.reports.runs", "{run}", "Weekly report requests handled, by outcome (generated, duplicate, unchanged)");

    public static readonly Counter<long> Deliveries = TrueCostTelemetry.Meter.CreateCounter<long>(
        "truecost.reports.deliveries", "{delivery}", "Attempts to deliver a published report, by channel and outcome (delivered, failed)");

    private static readonly string[] RunOutcomes = ["generated", "duplicate", "unchanged"];

    /// <summary>Publishes every series at zero, so a worker that has not run a report yet shows it (and rate() works).</summary>
    public static void Start(IEnumerable<string> channels)
    {
        foreach (var outcome in RunOutcomes)
        {
            Runs.Add(0, Outcome(outcome));
        }

        foreach (var channel in channels)
        {
            Deliveries.Add(0, Channel(channel), Outcome("delivered"));
            Deliveries.Add(0, Channel(channel), Outcome("failed"));
        }
    }

    public static void Run(string outcome) => Runs.Add(1, Outcome(outcome));

    public static void Delivery(string channel, bool delivered) => Deliveries.Add(1, Channel(channel), Outcome(delivered ? "delivered" : "failed"));

    private static KeyValuePair<string, object?> Outcome(string outcome) => new("outcome", outcome);

    private static KeyValuePair<string, object?> Channel(string channel) => new("channel", channel);
}
