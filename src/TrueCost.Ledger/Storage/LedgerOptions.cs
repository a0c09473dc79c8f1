using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Currency;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.Incidents;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Pricing;

namespace TrueCost.Ledger.Storage;

/// <summary>
/// Where the ledger is stored and every rule that prices and allocates it; bound from configuration
/// section "Ledger" (the configuration file, then environment variables such as <c>Ledger__Currency</c>).
/// </summary>
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

    /// <summary>How the leading projector restarts a projection shard that an error paused or stopped.</summary>
    public ProjectionRecoveryOptions ProjectionRecovery { get; set; } = new();

    /// <summary>The currency cost_hourly is kept in; prices and invoice lines in other currencies are converted by <see cref="Fx"/>.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>Prices that override the catalogues (negotiated rates, private models); the highest precedence.</summary>
    public List<TokenPrice> Prices { get; set; } = [];

    /// <summary>Provider aliases added to (or, for a shipped id, replacing) the shipped table.</summary>
    public List<ProviderAlias> Providers { get; set; } = [];

    /// <summary>Model renames applied before pricing and matching (deployment name → priced model id).</summary>
    public Dictionary<string, string> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Classification rules tried before the shipped ones.</summary>
    public List<ClassificationRule> CostRules { get; set; } = [];

    /// <summary>Rules mapping cloud lines (by tag, resource id, SKU or instance type) to GPU pools.</summary>
    public List<PoolRule> Pools { get; set; } = [];

    /// <summary>Dated exchange rates to the reporting currency.</summary>
    public List<FxRate> Fx { get; set; } = [];

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

        ProjectionRecovery.Validate($"{Section}:{nameof(ProjectionRecovery)}");

        for (var i = 0; i < Prices.Count; i++)
        {
            var p = Prices[i];
            if (string.IsNullOrWhiteSpace(p.Provider) || string.IsNullOrWhiteSpace(p.Model))
            {
                throw new InvalidOperationException($"Ledger:Prices:{i} needs Provider and Model");
            }

            if (new[] { p.InputPer1M, p.OutputPer1M, p.CacheReadPer1M ?? 0, p.CacheCreationPer1M ?? 0, p.ReasoningPer1M ?? 0 }.Any(v => v < 0))
            {
                throw new InvalidOperationException($"Ledger:Prices:{i} ({p.Provider}/{p.Model}) has a negative price");
            }

            if (p.Currency.Length != 3 || !p.Currency.All(char.IsAsciiLetterUpper))
            {
                throw new InvalidOperationException($"Ledger:Prices:{i}:Currency '{p.Currency}' is not an ISO 4217 code");
            }
        }

        for (var i = 0; i < Pools.Count; i++)
        {
            Pools[i].Validate($"Ledger:Pools:{i}");
        }

        for (var i = 0; i < CostRules.Count; i++)
        {
            if (!CostBuckets.IsKnown(CostRules[i].Bucket) || (CostRules[i].Driver is { } d && !Drivers.All.Contains(d)))
            {
                throw new InvalidOperationException(
                    $"Ledger:CostRules:{i} names bucket '{CostRules[i].Bucket}' / driver '{CostRules[i].Driver}'; buckets: {string.Join(", ", CostBuckets.Five)}; drivers: {string.Join(", ", Drivers.All)}");
            }
        }

        // Each constructor checks its own table and names what is wrong.
        _ = new FxTable(Fx);
        _ = ProviderAliases.Default(Providers);
        _ = new ModelAliases(Models);
    }
}
