using Microsoft.Extensions.Configuration;
using System.Text.Json.Serialization;

namespace TrueCost.Ledger.Pricing;

/// <summary>
/// One provider/model price, valid in [EffectiveFrom, EffectiveTo). Prices are per one million
/// tokens in <see cref="Currency"/>; a token class without its own price is billed at the price of
/// the class it belongs to (cache reads and writes at input, reasoning at output).
/// </summary>
public sealed record TokenPrice
{
    [JsonPropertyName("provider")] [ConfigurationKeyName("provider")] public required string Provider { get; init; }
    [JsonPropertyName("model")] [ConfigurationKeyName("model")] public required string Model { get; init; }
    [JsonPropertyName("currency")] [ConfigurationKeyName("currency")] public string Currency { get; init; } = "USD";
    [JsonPropertyName("input_per_1m")] [ConfigurationKeyName("input_per_1m")] public required decimal InputPer1M { get; init; }
    [JsonPropertyName("output_per_1m")] [ConfigurationKeyName("output_per_1m")] public required decimal OutputPer1M { get; init; }
    [JsonPropertyName("cache_read_per_1m")] [ConfigurationKeyName("cache_read_per_1m")] public decimal? CacheReadPer1M { get; init; }
    [JsonPropertyName("cache_creation_per_1m")] [ConfigurationKeyName("cache_creation_per_1m")] public decimal? CacheCreationPer1M { get; init; }
    [JsonPropertyName("reasoning_per_1m")] [ConfigurationKeyName("reasoning_per_1m")] public decimal? ReasoningPer1M { get; init; }
    [JsonPropertyName("effective_from")] [ConfigurationKeyName("effective_from")] public required DateTimeOffset EffectiveFrom { get; init; }
    [JsonPropertyName("effective_to")] [ConfigurationKeyName("effective_to")] public DateTimeOffset? EffectiveTo { get; init; }

    /// <summary>Where the price came from (a catalogue file, an import, the configuration), shown beside every figure it makes.</summary>
    [JsonPropertyName("source")] [ConfigurationKeyName("source")] public string? Source { get; init; }

    public bool AppliesAt(DateTimeOffset at) => at >= EffectiveFrom && (EffectiveTo is null || at < EffectiveTo);

    /// <summary>The cost of a set of tokens, each class at its own rate and no token counted twice.</summary>
    public decimal Cost(TokenCounts t) =>
        ((t.UncachedInput * InputPer1M)
         + (t.CacheRead * (CacheReadPer1M ?? InputPer1M))
         + (t.CacheCreation * (CacheCreationPer1M ?? InputPer1M))
         + (t.PlainOutput * OutputPer1M)
         + (t.Reasoning * (ReasoningPer1M ?? OutputPer1M))) / 1_000_000m;
}

/// <summary>
/// Token counts as the OpenTelemetry GenAI conventions define them: <see cref="Input"/> includes the
/// cache-read and cache-creation tokens, <see cref="Output"/> includes the reasoning tokens.
/// </summary>
public readonly record struct TokenCounts(long Input, long CacheRead, long CacheCreation, long Output, long Reasoning)
{
    /// <summary>Input tokens that were neither read from nor written to the prompt cache.</summary>
    public long UncachedInput => Math.Max(0, Input - CacheRead - CacheCreation);

    /// <summary>Output tokens that are not reasoning tokens.</summary>
    public long PlainOutput => Math.Max(0, Output - Reasoning);

    public long Total => Input + Output;

    public TokenCounts Plus(TokenCounts o) => new(Input + o.Input, CacheRead + o.CacheRead, CacheCreation + o.CacheCreation, Output + o.Output, Reasoning + o.Reasoning);
}
