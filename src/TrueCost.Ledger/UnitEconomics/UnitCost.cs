namespace TrueCost.Ledger.UnitEconomics;

/// <summary>What a million tokens cost on a GPU billed by the hour, before and after overhead, in the GPU price's currency.</summary>
public sealed record TokenUnitCost(decimal PerMillionTokens, decimal PerMillionTokensWithOverhead, decimal EffectiveTokensPerSecond);

/// <summary>
/// Unit economics of self-hosted inference: cost per 1M tokens = GPU $/hour ÷ (effective tokens/s × 3600) × 10⁶,
/// where effective tokens/s = tokens/s × utilization. Exact decimals; round only for display.
/// </summary>
public static class UnitCost
{
    private const decimal SecondsPerHour = 3_600m;
    private const decimal TokensPerMillion = 1_000_000m;
    private const decimal MaxOverhead = 5m;

    /// <param name="gpuHourly">What the GPU (or pool) costs per hour.</param>
    /// <param name="tokensPerSecond">Tokens (input + output) it serves per second when fully busy.</param>
    /// <param name="utilization">Share of the hour it is busy, in (0, 1]; idle hours are still paid for.</param>
    /// <param name="overhead">Cost on top of the GPU as a fraction (0.30 adds 30 %: power, networking, operations), in [0, 5].</param>
    public static TokenUnitCost PerMillionTokens(decimal gpuHourly, decimal tokensPerSecond, decimal utilization = 1m, decimal overhead = 0m)
    {
        if (gpuHourly <= 0)
        {
            throw new ArgumentException($"GPU cost per hour must be positive, got {gpuHourly}");
        }

        if (tokensPerSecond <= 0)
        {
            throw new ArgumentException($"tokens per second must be positive, got {tokensPerSecond}");
        }

        if (utilization is <= 0 or > 1)
        {
            throw new ArgumentException($"utilization must be a fraction in (0, 1] (0.10 for 10 % busy), got {utilization}");
        }

        if (overhead is < 0 or > MaxOverhead)
        {
            throw new ArgumentException($"overhead must be a fraction between 0 and {MaxOverhead} (0.30 adds 30 %), got {overhead}");
        }

        // Dividing the fully-busy figures by utilization last keeps the utilization trap exact: 10 % busy is exactly 10× per token.
        var atFullUtilization = gpuHourly * TokensPerMillion / (tokensPerSecond * SecondsPerHour);
        var withOverheadAtFullUtilization = atFullUtilization * (1 + overhead);
        return new TokenUnitCost(atFullUtilization / utilization, withOverheadAtFullUtilization / utilization, tokensPerSecond * utilization);
    }
}
