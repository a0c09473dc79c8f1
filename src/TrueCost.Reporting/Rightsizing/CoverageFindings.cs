using Npgsql;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Rightsizing;

/// <summary>
/// Findings about the ledger's own coverage, from the allocation issues: the models used without a price
/// and their share of API tokens, provider invoices that match no usage, GPU spend no pool rule maps, and
/// money in a currency the FX table cannot convert. Each names what to configure.
/// </summary>
public static class CoverageFindings
{
    public static async Task<IReadOnlyList<FindingRaised>> ComputeAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var queries = new CostQueries(dataSource, ledger);
        var issues = await queries.IssuesAsync(from, to, ct);
        var share = await queries.PricedShareAsync(from, to, ct);
        var days = Math.Max((to - from).TotalDays, 1.0 / 24);
        return Build(issues, share, (decimal)(30.0 / days), ledger.Currency);
    }

    /// <summary>Pure: the findings of a range's issues, amounts scaled to a month by <paramref name="toMonth"/>.</summary>
    public static IReadOnlyList<FindingRaised> Build(IReadOnlyList<IssueSummary> issues, (long Requests, long Tokens, long UnpricedRequests, long UnpricedTokens) share, decimal toMonth, string currency)
    {
        var findings = new List<FindingRaised>();
        var unpriced = issues.Where(i => i.Kind == AllocationIssue.UnpricedUsage).ToList();
        if (unpriced.Count > 0)
        {
            var percent = share.Tokens == 0 ? 0 : 100.0 * share.UnpricedTokens / share.Tokens;
            findings.Add(new FindingRaised(
                "coverage.unpriced_models",
                $"{unpriced.Count} model(s) without a price",
                $"{share.UnpricedRequests:N0} API requests and {share.UnpricedTokens:N0} tokens ({percent:0.##} % of API tokens) have no list price: "
                + string.Join(", ", unpriced.Take(8).Select(i => $"{i.Subject} ({i.Tokens:N0} tokens)"))
                + ". Import a price map (truecost prices import litellm), add Ledger:Prices, or map the name with Ledger:Models / Ledger:Providers.",
                0m,
                currency,
                unpriced.ToDictionary(i => i.Subject, i => $"{i.Requests} requests, {i.Tokens} tokens: {i.Reason}")));
        }

        foreach (var (kind, what, advice) in new[]
        {
            (AllocationIssue.InvoiceWithoutUsage, "provider invoices match no usage", "check the provider alias table (Ledger:Providers) against the invoice's ServiceName/ProviderName"),
            (AllocationIssue.UnmappedGpu, "GPU spend not mapped to a pool", "add a Ledger:Pools rule (tag, resource id, SKU or instance type)"),
            (AllocationIssue.UnconvertedLine, "charges in a currency without an FX rate", $"add Ledger:Fx rates to {currency}"),
        })
        {
            var these = issues.Where(i => i.Kind == kind).ToList();
            if (these.Count == 0)
            {
                continue;
            }

            var converted = these.Where(i => i.Currency == currency).Sum(i => i.Amount ?? 0);
            findings.Add(new FindingRaised(
                $"coverage.{kind}",
                $"{these.Count} {what}",
                $"{string.Join(", ", these.Take(8).Select(i => i.Amount is { } a ? $"{i.Subject} ({a:N2} {i.Currency})" : i.Subject))}: {advice}.",
                Math.Round(Math.Abs(converted) * toMonth, 2),
                currency,
                these.ToDictionary(i => i.Subject, i => i.Reason)));
        }

        return findings;
    }
}
