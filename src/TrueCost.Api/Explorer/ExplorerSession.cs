using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using TrueCost.Api.Auth;

namespace TrueCost.Api.Explorer;

/// <summary>
/// The cost explorer's session: signing in with an API key sets an HTTP-only, same-site-strict cookie that carries
/// the key's name and tenant (encrypted by ASP.NET's data protection), never the key. A key removed from the
/// configuration ends its sessions at their next request. Pages without a session redirect to the sign-in page;
/// /v1 requests carrying an expired session get 401 like any other unauthenticated API request.
/// </summary>
public static class ExplorerSession
{
    public const string Scheme = "ExplorerSession";
    public const string CookieName = "truecost_session";
    public const string PathPrefix = "/ui";
    public const string SignInPath = "/ui/sign-in";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    public static bool IsExplorerPath(PathString path) => path.StartsWithSegments(PathPrefix, StringComparison.Ordinal);

    internal static AuthenticationBuilder AddExplorerSession(this AuthenticationBuilder builder) =>
        builder.AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
            o.ExpireTimeSpan = Lifetime;
            o.SlidingExpiration = true;
            o.LoginPath = SignInPath;
            o.ReturnUrlParameter = "return";
            o.Events = new CookieAuthenticationEvents
            {
                OnValidatePrincipal = ValidateAsync,
                OnRedirectToLogin = c => Refuse(c, StatusCodes.Status401Unauthorized),
                OnRedirectToAccessDenied = c => Refuse(c, StatusCodes.Status403Forbidden),
            };
        });

    /// <summary>Signs the browser in as <paramref name="key"/>.</summary>
    internal static Task SignInAsync(HttpContext context, ApiKey key) =>
        context.SignInAsync(Scheme, new Caller(key.Name, key.Tenant).ToPrincipal(Scheme), new AuthenticationProperties { IsPersistent = false });

    internal static Task SignOutAsync(HttpContext context) => context.SignOutAsync(Scheme);

    /// <summary>The session stands only while its key is still configured with the same tenant.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var caller = Caller.From(context.Principal!);
        var key = context.HttpContext.RequestServices.GetRequiredService<ApiKeyRing>().Named(caller.KeyName);
        if (key is null || key.Tenant != caller.Tenant)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    /// <summary>A page is sent to the sign-in page; an API request gets the status only.</summary>
    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (IsExplorerPath(context.Request.Path) && status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }

        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
