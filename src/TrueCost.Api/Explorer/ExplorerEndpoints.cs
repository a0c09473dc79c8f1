using Microsoft.AspNetCore.Antiforgery;
using TrueCost.Api.Auth;

namespace TrueCost.Api.Explorer;

/// <summary>
/// The cost explorer under /ui: sign-in with an API key (kept in the session cookie), the pages, their CSV and the
/// bundled assets. Every page reads the same tables as /v1 with the same tenant scoping; pages that span tenants
/// (GPU pools, findings, incidents) answer a tenant key with 403 and are not in its navigation.
/// </summary>
public static class ExplorerEndpoints
{
    public static IServiceCollection AddExplorer(this IServiceCollection services)
    {
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "truecost_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "csrf";
        });
        services.AddSingleton<ExplorerQueries>();
        return services;
    }

    public static WebApplication MapExplorer(this WebApplication app)
    {
        app.Use(SecurityHeaders);
        app.MapGet("/", () => Results.Redirect("/ui/")).ExcludeFromDescription();
        var ui = app.MapGroup(ExplorerSession.PathPrefix).ExcludeFromDescription();
        ui.MapGet("/assets/{name}", (string name, HttpContext context) => ExplorerAssets.Serve(name, context)).AllowAnonymous();
        ui.MapGet("/sign-in", SignInPage.Show).AllowAnonymous();
        ui.MapPost("/sign-in", SignInPage.SubmitAsync).AllowAnonymous().DisableAntiforgery();
        ui.MapPost("/sign-out", SignOutAsync).RequireAuthorization().DisableAntiforgery();

        var pages = ui.MapGroup("").RequireAuthorization();
        pages.MapGet("/", OverviewPage.RenderAsync);
        pages.MapGet("/explorer", CostExplorerPage.RenderAsync);
        pages.MapGet("/explorer.csv", CostExplorerPage.CsvAsync);
        pages.MapGet("/pools", PoolsPage.RenderAsync);
        pages.MapGet("/findings", FindingsPage.RenderAsync);
        pages.MapGet("/incidents", IncidentsPage.RenderAsync);
        pages.MapGet("/governance", GovernancePage.RenderAsync);
        return app;
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.BadRequest("the sign-out form is stale: reload the page and sign out again");
        }

        await ExplorerSession.SignOutAsync(context);
        return Results.Redirect(ExplorerSession.SignInPath, permanent: false, preserveMethod: false);
    }

    /// <summary>Pages load only their own scripts and styles, are never framed and never cached.</summary>
    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        if (ExplorerSession.IsExplorerPath(context.Request.Path))
        {
            var h = context.Response.Headers;
            h.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
            h.XContentTypeOptions = "nosniff";
            h["Referrer-Policy"] = "same-origin";
        }

        return next();
    }

    /// <summary>Null for a key that sees every tenant; a 403 page for a tenant key opening a page that spans tenants.</summary>
    internal static IResult? RefuseTenantKey(HttpContext context, string title, string currency)
    {
        var caller = Caller.From(context.User);
        return caller.SeesAllTenants
            ? null
            : Html.Page(context, caller, title, currency, $"""
                <p role="alert">Your key is scoped to tenant {Html.E(caller.Tenant)}. {Html.E(title)} span every tenant and need a key without a tenant.</p>
                """, StatusCodes.Status403Forbidden);
    }
}
