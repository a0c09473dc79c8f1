using System.ComponentModel;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using TrueCost.Api.Auth;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Statements;

namespace TrueCost.Api.Statements;

/// <summary>
/// GET /v1/statements/{tenant}/{month}: a tenant's chargeback statement for a UTC month as JSON, FOCUS-shaped CSV or
/// HTML (<c>?format=</c>). A tenant-scoped key reads only its own tenant: any other is 403 whether or not it exists.
/// </summary>
public static class StatementEndpoints
{
    public const string CsvContentType = "text/csv; charset=utf-8";
    public const string HtmlContentType = "text/html; charset=utf-8";

    private static readonly string[] Formats = ["json", "csv", "html"];

    public static RouteGroupBuilder MapStatements(this RouteGroupBuilder v1)
    {
        v1.MapGroup("").WithTags("Statements")
            .MapGet("/statements/{tenant}/{month}", GetAsync)
            .WithName("GetStatement")
            .WithSummary("A tenant's chargeback statement for a UTC month (YYYY-MM): allocated cost by bucket, route, model and day with each line's allocation method; totals equal cost_hourly to the cent")
            .Produces<Statement>(StatusCodes.Status200OK, "application/json")
            .Produces<string>(StatusCodes.Status200OK, "text/csv", "text/html")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return v1;
    }

    private static async Task<Results<Ok<Statement>, FileContentHttpResult, ContentHttpResult, ProblemHttpResult>> GetAsync(
        [Description("The tenant, as cost_hourly names it")] string tenant,
        [Description("UTC calendar month, YYYY-MM")] string month,
        [FromQuery(Name = "format"), Description("json (default), csv (FOCUS-shaped) or html")] string? format,
        ClaimsPrincipal user,
        NpgsqlDataSource db,
        LedgerOptions ledger,
        CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (caller.Tenant is not null && caller.Tenant != tenant)
        {
            // Says nothing of the tenant asked for, not even its name: a scoped key learns no other tenant's existence.
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                detail: $"API key '{caller.KeyName}' is scoped to one tenant and reads only that tenant's statements");
        }

        var errors = new ParameterErrors();
        if (string.IsNullOrWhiteSpace(tenant))
        {
            errors.Add("tenant", $"tenant '{tenant}' is blank: name a tenant as cost_hourly names it");
        }

        StatementMonth parsed = default;
        try
        {
            parsed = StatementMonth.Parse(month);
        }
        catch (FormatException e)
        {
            errors.Add("month", e.Message);
        }

        var wanted = string.IsNullOrEmpty(format) ? "json" : format;
        if (!Formats.Contains(wanted))
        {
            errors.Add("format", $"format '{format}' is not one of {string.Join(", ", Formats)}");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        Statement statement;
        try
        {
            statement = await new StatementLoader(db, ledger, TimeProvider.System).LoadAsync(tenant, parsed, ct);
        }
        catch (NoCostRowsException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: e.Message);
        }

        var stem = StatementWriter.FileStem(statement.Tenant, statement.Month);
        return wanted switch
        {
            "csv" => TypedResults.File(Encoding.UTF8.GetBytes(StatementCsv.Render(statement)), CsvContentType, stem + ".csv"),
            "html" => TypedResults.Content(StatementHtml.Render(statement), HtmlContentType),
            _ => TypedResults.Ok(statement),
        };
    }
}
