using System.Text.Json.Serialization;

namespace TrueCost.Ledger.Pricing;

/// <summary>
/// One provider/model price, valid in [EffectiveFrom, EffectiveTo). Prices are per one million
/// tokens in <see cref="Currency"/>.
/// </summary>
public sealed record TokenPrice
{
    [JsonPropertyName("provider")] public required string Provider { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("currency")] public string Currency { get; init; } = "USD";
    [JsonPropertyName("input_per_1m")] public required decimal InputPer1M { get; init; }
    [JsonPropertyName("output_per_1m")] public required decimal OutputPer1M { get; init; }
    [JsonPropertyName("cached_input_per_1m")] public decimal? CachedInputPer1M { get; init; }
    [JsonPropertyName("effective_from")] public required DateTimeOffset EffectiveFrom { get; init; }
    [JsonPropertyName("effective_to")] public DateTimeOffset? EffectiveTo { get; init; }

    public bool AppliesAt(DateTimeOffset at) => at >= EffectiveFrom && (EffectiveTo is null || at < EffectiveTo);

    /// <summary>
    /// Cost of one call. Cached input tokens are part of the input count and are billed at the
    /// cached price instead of the input price (the full input price when no cached price is set).
    /// </summary>
    public decimal Cost(long inputTokens, long outputTokens, long cachedInputTokens)
    {
        var uncached = inputTokens - cachedInputTokens;
        var cachedPrice = CachedInputPer1M ?? InputPer1M;
        return ((uncached * InputPer1M) + (cachedInputTokens * cachedPrice) + (outputTokens * OutputPer1M)) / 1_000_000m;
    }
}
