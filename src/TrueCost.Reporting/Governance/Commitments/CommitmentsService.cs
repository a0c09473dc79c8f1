using Npgsql;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Time;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Governance.Commitments;

/// <summary>Every commitment over [<see cref="From"/>, <see cref="To"/>): FOCUS ones first, then the configured ones, with their findings.</summary>
public sealed record CommitmentReport(DateTimeOffset From, DateTimeOffset To, string Currency, IReadOnlyList<CommitmentFigures> Commitments)
{
    public IReadOnlyList<FindingRaised> Findings => CommitmentFindings.Build(Commitments);
}

/// <summary>Loads what each commitment needs from the ledger and computes it with <see cref="CommitmentCalculator"/>.</summary>
public static class CommitmentsService
{
    /// <summary>The default range: the current UTC month up to the current hour.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) MonthToDate(DateTimeOffset now)
    {
        var to = UtcHour.Floor(now);
        return (new DateTimeOffset(to.Year, to.Month, 1, 0, 0, 0, TimeSpan.Zero), to);
    }

    public static async Task<CommitmentReport> ComputeAsync(
        NpgsqlDataSource dataSource, LedgerOptions ledger, IReadOnlyList<CommitmentDefinition> configured, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        from = UtcHour.Floor(from);
        to = to.ToUniversalTime();
        var reader = new CommitmentLedger(dataSource, ledger);
        var figures = new List<CommitmentFigures>();
        foreach (var lines in await reader.FocusAsync(from, to, ct))
        {
            figures.Add(CommitmentCalculator.Focus(lines, CommitmentThresholds.Default));
        }

        var providers = ProviderAliases.Default(ledger.Providers);
        var models = new ModelAliases(ledger.Models);
        foreach (var c in configured)
        {
            var hours = CommitmentCalculator.TermHours(c, from, to);
            var (start, end) = hours.Count > 0 ? (hours[0], hours[^1] + UtcHour.Length) : (from, from);
            figures.Add(c.Kind == CommitmentKind.GpuReservation
                ? CommitmentCalculator.GpuReservation(c, await reader.PoolAsync(c.Pool!, start, end, ct), from, to, ledger.Currency)
                : CommitmentCalculator.TokenCommitment(
                    c, await reader.TokensAsync(providers.Canonical(c.Provider), c.Model is null ? null : models.Canonical(c.Model), start, end, ct), from, to, ledger.Currency));
        }

        return new CommitmentReport(from, to, ledger.Currency, figures);
    }
}
