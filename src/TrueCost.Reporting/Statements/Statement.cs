namespace TrueCost.Reporting.Statements;

/// <summary>
/// One line of a statement: a tenant's cost of one bucket for a UTC day, route and model, with the method that
/// allocated it and the usage it weighed (the tenant's own requests and tokens that day; serving paths, providers and
/// pools; for a shared bucket, the drivers its invoice lines were split by that month). Direct inference comes as up
/// to two lines: the part that paid for work, and the part that paid for idle GPU capacity.
/// </summary>
public sealed record StatementLine(
    DateOnly Day,
    string Route,
    string Model,
    string Bucket,
    string MethodId,
    decimal Amount,
    long Requests,
    long Tokens,
    IReadOnlyList<string> ServingModes,
    IReadOnlyList<string> Providers,
    IReadOnlyList<string> Pools,
    IReadOnlyList<string> Drivers,
    long UnpricedRequests,
    long UnpricedTokens);

/// <summary>API usage of a provider and model that had no list price in the month: its cost is missing unless an invoice covered it.</summary>
public sealed record UnpricedModel(string Provider, string Model, long Requests, long Tokens);

/// <summary>A tenant's chargeback statement for a month: its lines, the totals (equal to cost_hourly's to the cent), what was not priced.</summary>
public sealed record Statement(
    string Tenant,
    StatementMonth Month,
    string Currency,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<StatementLine> Lines,
    BucketAmounts Totals,
    long UnpricedRequests,
    long UnpricedTokens,
    IReadOnlyList<UnpricedModel> UnpricedModels,
    IReadOnlyList<DateTimeOffset> QuarantinedHours,
    IReadOnlyList<AllocationMethod> Methods)
{
    public DateTimeOffset PeriodStart => Month.Start;

    public DateTimeOffset PeriodEnd => Month.End;
}
