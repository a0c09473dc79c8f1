using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Storage;

namespace TrueCost.Api.Pools;

/// <summary>One GPU pool in one hour, from the gpu_pool_hourly view.</summary>
public sealed record PoolHour(
    DateTimeOffset Hour,
    string Pool,
    string GpuClass,
    long Gpus,
    double GpuSeconds,
    double MissingGpuSeconds,
    double? BusyShare,
    double? UtilMean,
    double UtilPeak,
    double KvCachePeak,
    double QueueDepthPeak,
    double? QueueDepthMean,
    long Tokens,
    double EnergyWh);

public sealed class PoolParameters
{
    [FromQuery(Name = "pool"), Description("Only this pool")]
    public string? Pool { get; init; }
}

/// <summary>GET /v1/pools: GPU pool hours. Pools are shared by every tenant, so only unscoped keys read them.</summary>
public static class PoolEndpoints
{
    public static RouteGroupBuilder MapPools(this RouteGroupBuilder v1)
    {
        v1.MapGet("/pools", GetPageAsync)
            .WithTags("Pools")
            .WithName("GetPools")
            .WithSummary("GPU pool hours (provisioned, busy, utilization, queue, tokens, energy) over a range of UTC hours");
        return v1;
    }

    private static async Task<Results<Ok<RowsPage<PoolHour>>, ProblemHttpResult>> GetPageAsync(
        [AsParameters] RangeParameters range,
        [AsParameters] PoolParameters filter,
        [AsParameters] PageParameters page,
        NpgsqlDataSource db,
        LedgerOptions ledger,
        CancellationToken ct)
    {
        var errors = new ParameterErrors();
        var parsedRange = TimeRange.Parse(range, errors);
        var paging = Paging.Parse(page, errors);
        if (errors.Any || parsedRange is null)
        {
            return errors.ToProblem();
        }

        var where = new SqlWhere()
            .Add("hour", ">=", parsedRange.From)
            .Add("hour", "<", parsedRange.To)
            .AddIf("pool", filter.Pool);
        var sql = $"""
            select hour, pool, gpu_class, gpus, gpu_seconds, missing_gpu_seconds, busy_share, util_mean, util_peak,
                   kv_cache_peak, queue_depth_peak, queue_depth_mean, tokens::bigint, energy_wh
            from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.GpuPoolHourly)}
            where {where.Sql} order by hour, pool
            """;
        return TypedResults.Ok(await where.RowsPageAsync(db, sql, parsedRange, paging, Read, ct));
    }

    private static PoolHour Read(NpgsqlDataReader r) => new(
        r.GetFieldValue<DateTimeOffset>(0),
        r.GetString(1),
        r.GetString(2),
        r.GetInt64(3),
        r.GetDouble(4),
        r.GetDouble(5),
        r.IsDBNull(6) ? null : r.GetDouble(6),
        r.IsDBNull(7) ? null : r.GetDouble(7),
        r.GetDouble(8),
        r.GetDouble(9),
        r.GetDouble(10),
        r.IsDBNull(11) ? null : r.GetDouble(11),
        r.GetInt64(12),
        r.GetDouble(13));
}
