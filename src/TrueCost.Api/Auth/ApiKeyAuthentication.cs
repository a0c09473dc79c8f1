using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using TrueCost.Api.Explorer;

namespace TrueCost.Api.Auth;

/// <summary>
/// Authentication by the <c>X-Api-Key</c> header, or by the cost explorer's session cookie (<see cref="ExplorerSession"/>)
/// that signing in with a key sets. Failures on /v1 are answered with ProblemDetails: 401 for a missing or unknown
/// key, 403 for a tenant-scoped key asking for something beyond its tenant; the explorer's pages send a browser
/// without a session to the sign-in page.
/// </summary>
public static class ApiKeyAuthentication
{
    public const string Scheme = "ApiKey";
    public const string Header = "X-Api-Key";

    /// <summary>Picks the key header when a request has one, else the session cookie for the explorer's pages or a request carrying it.</summary>
    public const string KeyOrSession = "ApiKeyOrSession";

    /// <summary>Policy for resources that span tenants (pools, incidents): only unscoped keys.</summary>
    public const string AllTenantsPolicy = "all-tenants";

    public static IServiceCollection AddApiKeys(this IServiceCollection services, ApiOptions options)
    {
        services.AddSingleton(new ApiKeyRing(options));
        services.AddAuthentication(KeyOrSession)
            .AddPolicyScheme(KeyOrSession, null, o => o.ForwardDefaultSelector = Select)
            .AddScheme<AuthenticationSchemeOptions, Handler>(Scheme, null)
            .AddExplorerSession();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(KeyOrSession).RequireAuthenticatedUser().Build())
            .AddPolicy(AllTenantsPolicy, p => p.AddAuthenticationSchemes(KeyOrSession).RequireAuthenticatedUser().RequireAssertion(c => Caller.From(c.User).SeesAllTenants));
        return services;
    }

    private static string Select(HttpContext context) =>
        context.Request.Headers.ContainsKey(Header) ? Scheme
        : ExplorerSession.IsExplorerPath(context.Request.Path) || context.Request.Cookies.ContainsKey(ExplorerSession.CookieName) ? ExplorerSession.Scheme
        : Scheme;

    private sealed class Handler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        ApiKeyRing keys,
        IProblemDetailsService problems)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var presented = Request.Headers[Header];
            if (presented.Count == 0 || string.IsNullOrEmpty(presented[0]))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            if (presented.Count > 1 || keys.Find(presented[0]!) is not { } key)
            {
                return Task.FromResult(AuthenticateResult.Fail($"the {Header} header does not match any configured key"));
            }

            var principal = new Caller(key.Name, key.Tenant).ToPrincipal(Scheme.Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            var result = await HandleAuthenticateOnceSafeAsync();
            Response.Headers.WWWAuthenticate = $"{Scheme.Name} header=\"{Header}\"";
            await WriteProblemAsync(
                StatusCodes.Status401Unauthorized,
                result.Failure?.Message ?? $"send an API key in the {Header} header");
        }

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        {
            var caller = Caller.From(Context.User);
            return WriteProblemAsync(
                StatusCodes.Status403Forbidden,
                $"API key '{caller.KeyName}' is scoped to tenant '{caller.Tenant}'; this resource spans tenants and needs a key without a tenant");
        }

        private Task WriteProblemAsync(int status, string detail)
        {
            Response.StatusCode = status;
            return problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails = { Status = status, Detail = detail },
            }).AsTask();
        }
    }
}
