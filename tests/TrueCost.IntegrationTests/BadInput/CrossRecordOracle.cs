using TrueCost.Contracts;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.InvoiceLines;

namespace TrueCost.IntegrationTests.BadInput;

/// <summary>
/// The pipeline's cross-record rules as the producer side can state them, for replaying a run in
/// Kafka's order: a billing account bills in the currency of its first stored line; an incident is
/// not mitigated or resolved before its earliest opening, nor opened after its earliest end.
/// Only records that would otherwise be stored are passed in.
/// </summary>
public sealed class CrossRecordOracle
{
    private readonly InvoiceLineParser _lines = new(TimeProvider.System);
    private readonly IncidentParser _incidents = new(TimeProvider.System);
    private readonly Dictionary<(string Provider, string Account), string> _currencies = [];
    private readonly Dictionary<string, (DateTimeOffset? Opened, DateTimeOffset? Closed)> _bounds = new(StringComparer.Ordinal);

    /// <summary>True when the rules let the (parser-valid, not duplicate) record through; its state is then recorded.</summary>
    public bool Accepts(string topic, byte[] value) => topic switch
    {
        Topics.InvoiceLines => Accepts(_lines.Parse(value).Record!),
        Topics.Incidents => Accepts(_incidents.Parse(value).Record!),
        _ => true,
    };

    private bool Accepts(InvoiceLineRecord line)
    {
        if (line.BillingAccountId is not { } account)
        {
            return true;
        }

        var key = (line.ProviderName ?? string.Empty, account);
        return _currencies.TryAdd(key, line.BillingCurrency) || _currencies[key] == line.BillingCurrency;
    }

    private bool Accepts(IncidentRecord r)
    {
        var (opened, closed) = _bounds.GetValueOrDefault(r.IncidentId);
        switch (r.Type)
        {
            case IncidentRecordTypes.Opened when closed is { } end && r.Timestamp > end:
            case IncidentRecordTypes.Mitigated or IncidentRecordTypes.Resolved when opened is { } start && r.Timestamp < start:
                return false;
            case IncidentRecordTypes.Opened:
                _bounds[r.IncidentId] = (opened is null || r.Timestamp < opened ? r.Timestamp : opened, closed);
                return true;
            case IncidentRecordTypes.Mitigated or IncidentRecordTypes.Resolved:
                _bounds[r.IncidentId] = (opened, closed is null || r.Timestamp < closed ? r.Timestamp : closed);
                return true;
            default:
                return true;
        }
    }
}
