using System.Globalization;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Governance.Commitments;

/// <summary>
/// Pure: the findings of a range's commitments, amounts per month (30 days). "commitment.under_used" when utilization is
/// below the commitment's threshold, with the unused cost per month at stake; "commitment.coverage_low" when coverage is
/// below its threshold and the uncovered on-demand spend per month is material, with the saving that covering up to the
/// threshold at the commitment's discount would bring (0 when the discount is unknown).
/// </summary>
public static class CommitmentFindings
{
    public const string UnderUsed = "commitment.under_used";
    public const string CoverageLow = "commitment.coverage_low";

    public static IReadOnlyList<FindingRaised> Build(IReadOnlyList<CommitmentFigures> commitments)
    {
        var findings = new List<FindingRaised>();
        foreach (var c in commitments.Where(c => c.Hours > 0))
        {
            var t = c.Thresholds;
            if (c.Utilization is { } utilization && utilization < t.Utilization)
            {
                var unused = Math.Round(c.Unused * c.ToMonth, 2);
                findings.Add(new FindingRaised(
                    UnderUsed,
                    $"commitment {c.Name}",
                    $"{c.Name} ({c.Scope}) is {Percent(utilization)} used (threshold {Percent(t.Utilization)}): {c.Unused:N2} {c.Currency} of its {c.Amortized:N2} {c.Currency} went unused "
                    + $"in {c.Hours} h, about {unused:N2} {c.Currency} a month. Move usage onto it, or reduce or exchange it at renewal.",
                    unused,
                    c.Currency,
                    Evidence(c)));
            }

            if (c.Coverage is { } coverage && coverage < t.Coverage && c.EligibleOnDemand is { } eligible)
            {
                var uncoveredPerMonth = Math.Round(eligible * (1 - coverage) * c.ToMonth, 2);
                if (uncoveredPerMonth < t.MaterialOnDemandPerMonth)
                {
                    continue;
                }

                var saving = c.Discount is > 0 ? Math.Round((t.Coverage - coverage) * eligible * c.Discount.Value * c.ToMonth, 2) : 0m;
                var how = c.Discount is > 0
                    ? $"covering up to {Percent(t.Coverage)} at its {Percent(c.Discount.Value)} discount would save about {saving:N2} {c.Currency} a month"
                    : "its discount is unknown (set Discount on the commitment to estimate the saving)";
                findings.Add(new FindingRaised(
                    CoverageLow,
                    $"commitment {c.Name}",
                    $"{c.Name} covers {Percent(coverage)} of {c.Scope}'s eligible usage (threshold {Percent(t.Coverage)}); about {uncoveredPerMonth:N2} {c.Currency} a month "
                    + $"runs at on-demand prices: {how}.",
                    saving,
                    c.Currency,
                    Evidence(c)));
            }
        }

        return findings;
    }

    private static Dictionary<string, string> Evidence(CommitmentFigures c)
    {
        var evidence = new Dictionary<string, string>(c.Evidence)
        {
            ["kind"] = c.Kind,
            ["term"] = $"{c.TermStart:yyyy-MM-ddTHH:mm}Z – {c.TermEnd:yyyy-MM-ddTHH:mm}Z",
            ["hours"] = c.Hours.ToString(CultureInfo.InvariantCulture),
            ["amortized"] = c.Amortized.ToString(CultureInfo.InvariantCulture),
            ["used"] = c.Used.ToString(CultureInfo.InvariantCulture),
            ["unused"] = c.Unused.ToString(CultureInfo.InvariantCulture),
            ["utilization"] = c.Utilization is { } u ? Percent(u) : "n/a",
            ["coverage"] = c.Coverage is { } cov ? Percent(cov) : "n/a",
        };
        return evidence;
    }

    private static string Percent(decimal fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
