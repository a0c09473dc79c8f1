using System.Text;
using System.Text.Json;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.RequestLogs;

namespace TrueCost.UnitTests.Contracts;

/// <summary>What a C# producer writes with WireJson.Options is what the schema and the parser accept.</summary>
public class SerializedContractTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset At = Day.AddHours(14);

    public static TheoryData<string, string> Records => new()
    {
        { "request-log", "api call with cached input" },
        { "request-log", "self-hosted retry" },
        { "gpu-sample", "busy H100" },
        { "invoice-line", "AI token line with SKU price details, tags and x_ columns" },
        { "invoice-line", "credit correction" },
        { "incident", "responder joined" },
        { "incident", "credit issued without a tenant" },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public async Task A_contract_serialized_with_WireJson_passes_its_schema_and_parses_back_unchanged(string topic, string record)
    {
        var wire = WireTopic.ByName[topic];
        var bytes = wire.Serialize(Build(record));

        Assert.Empty(await wire.SchemaErrors(Encoding.UTF8.GetString(bytes)));
        var parsed = wire.Parse(bytes);
        Assert.True(parsed.IsValid, parsed.Error);
        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(wire.Serialize(parsed.Record!)));
    }

    private static object Build(string record) => record switch
    {
        "api call with cached input" => new RequestLogRecord
        {
            RequestId = "req-1",
            Timestamp = At.AddMilliseconds(318),
            Route = "/chat/support",
            Tenant = "tenant-acme",
            ProviderName = "openai",
            Model = "gpt-4o-mini",
            InputTokens = 1184,
            OutputTokens = 231,
            CachedInputTokensOlder = 1024,
            ServingMode = ServingModes.Api,
            TrafficClass = "interactive",
            Status = RequestStatuses.Ok,
            LatencyMs = 1840.5,
            TimeToFirstTokenMs = 312,
        },
        "self-hosted retry" => new RequestLogRecord
        {
            RequestId = "req-2-r2",
            Timestamp = At,
            Route = "/agent/plan",
            Tenant = "tenant-initech",
            ProviderName = "vllm",
            Model = "llama-3.1-70b-instruct",
            InputTokens = 1795,
            OutputTokens = 512,
            ServingMode = ServingModes.SelfHosted,
            GpuPool = "h100-pool",
            TrafficClass = "batch",
            Status = RequestStatuses.Ok,
            Attempt = 2,
            RetryOf = "req-2",
            RequestBytes = 7180,
            ResponseBytes = 2048,
        },
        "busy H100" => new GpuSampleRecord
        {
            Timestamp = At,
            IntervalSeconds = 15,
            Pool = "h100-pool",
            Node = "gpu-node-h100-03",
            GpuUuid = "GPU-5a1f0c2e-7b7d-4e0b-9a64-3c1d2f0e8b11",
            GpuClass = "H100",
            GpuUtilPercent = 87.5,
            FramebufferUsedMiB = 74210,
            FramebufferFreeMiB = 7294,
            PowerWatts = 612.4,
            RequestsRunning = 24,
            RequestsWaiting = 3,
            KvCacheUsage = 0.91,
            PromptTokens = 41820,
            GenerationTokens = 9316,
        },
        "AI token line with SKU price details, tags and x_ columns" => new InvoiceLineRecord
        {
            LineId = "openai-2026-11-16#gpt-4o-mini:input:cache-read",
            BilledCost = 13.6875m,
            EffectiveCost = 13.6875m,
            ListCost = 13.6875m,
            BillingCurrency = "USD",
            BillingPeriodStart = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
            BillingPeriodEnd = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
            ChargePeriodStart = Day,
            ChargePeriodEnd = Day.AddDays(1),
            ChargeCategory = "Usage",
            ServiceCategory = "AI and Machine Learning",
            SkuPriceDetails = new SkuPriceDetails
            {
                ModelId = "gpt-4o-mini",
                TokenDirection = TokenDirections.Input,
                TokenCacheAction = TokenCacheActions.Read,
                Other = new Dictionary<string, JsonElement> { ["x_PricePerMillionTokens"] = JsonSerializer.SerializeToElement(0.075m) },
            },
            PricingQuantity = 182_500_000m,
            PricingUnit = "Tokens",
            Tags = new Dictionary<string, string> { ["project"] = "support-bot", ["reviewed"] = string.Empty },
            Extensions = new Dictionary<string, JsonElement> { ["x_Workspace"] = JsonSerializer.SerializeToElement(new { id = "wrkspc_01" }) },
        },
        "credit correction" => new InvoiceLineRecord
        {
            LineId = "focus-2026-11.csv#row-1907",
            BilledCost = -250.00m,
            EffectiveCost = -250.00m,
            BillingCurrency = "EUR",
            ChargePeriodStart = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero),
            ChargePeriodEnd = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
            ChargeCategory = ChargeCategories.Credit,
            ChargeClass = ChargeClasses.Correction,
        },
        "responder joined" => new IncidentRecord
        {
            RecordId = "INC-1/responder/ana",
            IncidentId = "INC-1",
            Type = IncidentRecordTypes.ResponderJoined,
            Timestamp = At,
            Severity = "sev2",
            Responder = new IncidentResponder("ana.lima", "incident_commander", 3.5m),
            Affected = new IncidentScope { Routes = ["/agent/plan"], Pools = ["h100-pool"] },
        },
        "credit issued without a tenant" => new IncidentRecord
        {
            RecordId = "INC-1/credit/all",
            IncidentId = "INC-1",
            Type = IncidentRecordTypes.CreditIssued,
            Timestamp = At,
            Credit = new IncidentCredit(200m, "EUR"),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(record), record, "no such record"),
    };
}
