using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using TrueCost.Api.Auth;
using TrueCost.Api.Querying;

namespace TrueCost.Api.Costs;

/// <summary>GET /v1/costs (JSON, paginated, with totals), /v1/costs.csv and /v1/costs.parquet (every row).</summary>
public static class CostEndpoints
{
    public static RouteGroupBuilder MapCosts(this RouteGroupBuilder v1)
    {
        var costs = v1.MapGroup("").WithTags("Costs");
        costs.MapGet("/costs", GetPageAsync)
            .WithName("GetCosts")
            .WithSummary("Allocated cost over a range of UTC hours, grouped by any combination of hour, route, tenant, model and traffic_class");
        costs.MapGet("/costs.csv", GetCsv)
            .WithName("GetCostsCsv")
            .WithSummary("The same query as /v1/costs, every row, as CSV with a header row")
            .Produces<Stream>(StatusCodes.Status200OK, "text/csv");
        costs.MapGet("/costs.parquet", GetParquetAsync)
            .WithName("GetCostsParquet")
            .WithSummary("The same query as /v1/costs, every row, as Parquet with decimal(18,2) money columns")
            .Produces<Stream>(StatusCodes.Status200OK, CostExports.ParquetContentType);
        return v1;
    }

    private static async Task<Results<Ok<CostPage>, ProblemHttpResult>> GetPageAsync(
        [AsParameters] RangeParameters range,
        [AsParameters] CostParameters filter,
        [AsParameters] PageParameters page,
        ClaimsPrincipal user,
        CostStore store,
        CancellationToken ct)
    {
        var errors = new ParameterErrors();
        var paging = Paging.Parse(page, errors);
        if (!CostQuery.TryCreate(range, filter, Caller.From(user), errors, out var query, out var problem))
        {
            return problem;
        }

        return TypedResults.Ok(await store.PageAsync(query, paging, ct));
    }

    private static Results<PushStreamHttpResult, ProblemHttpResult> GetCsv(
        [AsParameters] RangeParameters range,
        [AsParameters] CostParameters filter,
        ClaimsPrincipal user,
        CostStore store,
        CancellationToken ct)
    {
        if (!CostQuery.TryCreate(range, filter, Caller.From(user), new ParameterErrors(), out var query, out var problem))
        {
            return problem;
        }

        return TypedResults.Stream(
            body => CostExports.WriteCsvAsync(store.AllAsync(query, ct), query.GroupBy, store.Currency, body, ct),
            CostExports.CsvContentType,
            FileName(query, "csv"));
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetParquetAsync(
        [AsParameters] RangeParameters range,
        [AsParameters] CostParameters filter,
        ClaimsPrincipal user,
        CostStore store,
        CancellationToken ct)
    {
        if (!CostQuery.TryCreate(range, filter, Caller.From(user), new ParameterErrors(), out var query, out var problem))
        {
            return problem;
        }

        // Parquet's footer is written last and its writer seeks, so the file is built on disk and then sent.
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await CostExports.WriteParquetAsync(store.AllAsync(query, ct), query.GroupBy, store.Currency, file, ct);
            file.Position = 0;
            return TypedResults.File(file, CostExports.ParquetContentType, FileName(query, "parquet"));
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static string FileName(CostQuery query, string extension) =>
        $"costs_{query.Range.From:yyyyMMdd'T'HH}Z_{query.Range.To:yyyyMMdd'T'HH}Z.{extension}";
}
