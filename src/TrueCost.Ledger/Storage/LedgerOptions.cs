using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Incidents;

namespace TrueCost.Ledger.Storage;

/// <summary>Where and how the ledger is stored; bound from configuration section "Ledger".</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>PostgreSQL schema holding the event store and the flat tables.</summary>
    public string Schema { get; set; } = "truecost";

    /// <summary>Path of a price catalogue JSON file; the embedded default catalogue when empty.</summary>
    public string? PriceCataloguePath { get; set; }

    /// <summary>
    /// Events per async-daemon page. Each ingest event carries a whole batch (up to thousands of
    /// records), so pages are small: a page is committed, and visible, only when all of it is applied.
    /// </summary>
    public int ProjectionBatchSize { get; set; } = 20;

    /// <summary>The currency cost_hourly is kept in; invoice lines in other currencies are not allocated.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>How idle self-hosted capacity is shown in cost_hourly.</summary>
    public IdlePolicy IdlePolicy { get; set; } = IdlePolicy.Share;

    public IncidentCostOptions Incidents { get; set; } = new();

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Schema) || !Schema.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new InvalidOperationException($"Ledger:Schema '{Schema}' must be lower-case letters, digits and underscores");
        }

        if (Currency.Length != 3 || !Currency.All(char.IsAsciiLetterUpper))
        {
            throw new InvalidOperationException($"Ledger:Currency '{Currency}' is not an ISO 4217 code");
        }

        if (ProjectionBatchSize is < 1 or > 100_000)
        {
            throw new InvalidOperationException($"Ledger:ProjectionBatchSize {ProjectionBatchSize} is outside 1..100000");
        }
    }
}
