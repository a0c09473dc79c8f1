using System.Text.Json;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;

namespace TrueCost.Benchmarks.Setup;

/// <summary>
/// Requests the benchmark can recognise in the ledger: each has a tenant of its own, so its row in
/// usage_hourly appears exactly when the projection has processed it.
/// </summary>
public static class MarkerRecords
{
    public const string Route = "/bench/marker";

    public static WireRecord Create(string id, string tenant, DateTimeOffset at)
    {
        var record = new RequestLogRecord
        {
            RequestId = id,
            Timestamp = at,
            Route = MarkerRecords.Route,
            Tenant = tenant,
            ProviderName = "openai",
            Model = "gpt-4o-mini",
            InputTokens = 10,
            OutputTokens = 1,
            ServingMode = ServingModes.Api,
            TrafficClass = "internal",
            Status = RequestStatuses.Ok,
        };
        return new WireRecord(id, JsonSerializer.SerializeToUtf8Bytes(record, WireJson.Options));
    }
}
