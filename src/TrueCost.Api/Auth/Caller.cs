using System.Security.Claims;

namespace TrueCost.Api.Auth;

/// <summary>Who is asking: the key's name and, for a tenant-scoped key, its tenant.</summary>
public sealed record Caller(string KeyName, string? Tenant)
{
    internal const string TenantClaim = "truecost:tenant";

    public bool SeesAllTenants => Tenant is null;

    public static Caller From(ClaimsPrincipal user) =>
        new(user.Identity?.Name ?? "", user.FindFirst(TenantClaim)?.Value);

    internal ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, KeyName) };
        if (Tenant is not null)
        {
            claims.Add(new Claim(TenantClaim, Tenant));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
