using System.Globalization;
using System.Text;
using System.Text.Json;
using TrueCost.Ledger.Allocation;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Statements;

/// <summary>
/// A statement as a FOCUS-shaped CSV (RFC 4180, invariant): one row per <see cref="StatementLine"/>, FOCUS 1.3 column
/// names where a column fits (billing and charge periods as ISO 8601 UTC, BilledCost and EffectiveCost, the tenant as
/// sub account, the route as service, the Allocated* columns of split cost allocation with JSON objects), then custom
/// <c>x_</c> columns for what FOCUS has no column for (the TrueCost bucket, the model, unpriced usage).
/// </summary>
public static class StatementCsv
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
        "BillingCurrency", "BilledCost", "EffectiveCost", "ChargeCategory", "ChargeFrequency", "ChargeDescription",
        "ServiceCategory", "ServiceName", "SubAccountId", "SubAccountName",
        "AllocatedMethodId", "AllocatedMethodDetails", "AllocatedResourceId", "AllocatedResourceName", "AllocatedTags",
        "ConsumedQuantity", "ConsumedUnit", "x_CostBucket", "x_Model", "x_UnpricedRequests", "x_UnpricedTokens",
    ];

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(Statement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var csv = new StringBuilder();
        CsvReportRenderer.Line(csv, Columns);
        foreach (var line in statement.Lines)
        {
            CsvReportRenderer.Line(csv, Cells(statement, line));
        }

        return csv.ToString();
    }

    /// <summary>ISO 8601 in UTC with seconds and a Z, as FOCUS's date/time format asks.</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH':'mm':'ss'Z'", Invariant);

    public static string Money(decimal amount) => amount.ToString("0.00", Invariant);

    /// <summary>The key the cost was allocated to, within the tenant: route and model.</summary>
    public static string AllocatedResourceId(StatementLine line) => $"route:{line.Route}/model:{line.Model}";

    /// <summary>
    /// FOCUS's AllocatedMethodDetails object: the tenant's own usage that day as Elements (UsageUnit, UsageQuantity), and
    /// x_ keys for the serving paths, providers, pools and drivers. It leaves out AllocatedRatio: a line sums the tenant's
    /// shares of many hourly origin charges, and their totals are other tenants' business.
    /// </summary>
    public static string AllocatedMethodDetails(StatementLine line)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("Elements");
            Element(json, "Requests", line.Requests);
            Element(json, "Tokens", line.Tokens);
            json.WriteEndArray();
            Strings(json, "x_ServingModes", line.ServingModes);
            Strings(json, "x_Providers", line.Providers);
            Strings(json, "x_GpuPools", line.Pools);
            Strings(json, "x_Drivers", line.Drivers);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>FOCUS AllocatedTags (key-value format, TrueCost's tag prefix): the tenant, route and model the cost was allocated to.</summary>
    public static string AllocatedTags(string tenant, StatementLine line) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["truecost/model"] = line.Model,
            ["truecost/route"] = line.Route,
            ["truecost/tenant"] = tenant,
        });

    private static IEnumerable<string> Cells(Statement s, StatementLine line)
    {
        var day = new DateTimeOffset(line.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var consumed = line.Bucket == CostBuckets.DirectInference && line.MethodId != AllocationMethods.PoolIdleShare.Id;
        return
        [
            Iso(s.PeriodStart), Iso(s.PeriodEnd), Iso(day), Iso(day.AddDays(1)),
            s.Currency, Money(line.Amount), Money(line.Amount), "Usage", "Usage-Based", Description(line),
            "AI and Machine Learning", line.Route, s.Tenant, s.Tenant,
            line.MethodId, AllocatedMethodDetails(line), AllocatedResourceId(line), $"{line.Route} · {line.Model}", AllocatedTags(s.Tenant, line),
            consumed ? line.Tokens.ToString(Invariant) : string.Empty, consumed ? "Tokens" : string.Empty,
            line.Bucket, line.Model, line.UnpricedRequests.ToString(Invariant), line.UnpricedTokens.ToString(Invariant),
        ];
    }

    public static string Description(StatementLine line) =>
        $"{StatementText.Bucket(line.Bucket, line.MethodId)} of route {line.Route}, model {line.Model}";

    private static void Element(Utf8JsonWriter json, string unit, long quantity)
    {
        json.WriteStartObject();
        json.WriteString("UsageUnit", unit);
        json.WriteNumber("UsageQuantity", quantity);
        json.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteStringValue(v);
        }

        json.WriteEndArray();
    }
}
