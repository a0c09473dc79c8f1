using Microsoft.AspNetCore.Antiforgery;
using TrueCost.Api.Auth;

namespace TrueCost.Api.Explorer;

/// <summary>
/// Sign-in with an API key, posted in a form body (never in a URL), checked against the same key ring as the
/// X-Api-Key header. A wrong key gets the form again with 401 and the reason; the page to return to must be a
/// path of the explorer, so the form cannot be used to send a browser elsewhere.
/// </summary>
internal static class SignInPage
{
    private const string KeyField = "key";

    public static IResult Show(HttpContext context, IAntiforgery antiforgery) => Form(context, antiforgery, context.Request.Query["return"], null);

    public static async Task<IResult> SubmitAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!context.Request.HasFormContentType)
        {
            return Form(context, antiforgery, null, "Send the form from the sign-in page.", StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string? returnTo = form["return"];
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Form(context, antiforgery, returnTo, "The sign-in form had expired. Enter your key again.", StatusCodes.Status400BadRequest);
        }

        var presented = form[KeyField].ToString().Trim();
        if (presented.Length == 0)
        {
            return Form(context, antiforgery, returnTo, "Enter an API key.", StatusCodes.Status401Unauthorized);
        }

        if (context.RequestServices.GetRequiredService<ApiKeyRing>().Find(presented) is not { } key)
        {
            return Form(context, antiforgery, returnTo, "That key does not match any configured API key.", StatusCodes.Status401Unauthorized);
        }

        await ExplorerSession.SignInAsync(context, key);
        return Results.Redirect(SafeReturn(returnTo));
    }

    /// <summary>Only a path inside the explorer ("/ui/…"), never another host or scheme.</summary>
    private static string SafeReturn(string? returnTo) =>
        returnTo is { Length: > 0 } r && r.StartsWith("/ui/", StringComparison.Ordinal) && !r.StartsWith("/ui//", StringComparison.Ordinal) && !r.Contains('\\', StringComparison.Ordinal)
            ? r
            : "/ui/";

    private static IResult Form(HttpContext context, IAntiforgery antiforgery, string? returnTo, string? error, int status = StatusCodes.Status200OK)
    {
        var csrf = antiforgery.GetAndStoreTokens(context);
        var alert = error is null ? "" : $"""<p class="problems" role="alert" id="sign-in-error">{Html.E(error)}</p>""";
        return Html.Document(context, "Sign in", $"""
            <main id="main" class="sign-in">
              <h1>TrueCost cost explorer</h1>
              <form method="post" action="/ui/sign-in">
                {alert}
                <label for="key">API key</label>
                <input id="key" name="{KeyField}" type="password" autocomplete="current-password" required aria-describedby="key-help"{(error is null ? "" : " aria-invalid=\"true\"")}>
                <p id="key-help" class="help">The key you use in the X-Api-Key header (<code>truecost keys create</code>; <code>truecost dev</code> prints one). It is kept in an HTTP-only session cookie for 8 hours, never in a URL.</p>
                <input type="hidden" name="return" value="{Html.E(SafeReturn(returnTo))}">
                <input type="hidden" name="{Html.E(csrf.FormFieldName)}" value="{Html.E(csrf.RequestToken)}">
                <button type="submit">Sign in</button>
              </form>
            </main>
            """, status);
    }
}
