using System.Security.Cryptography;
using System.Text;

namespace TrueCost.Api;

/// <summary>The API's keys; bound from configuration section "Api" (Api__Keys__0__Name, …).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    public List<ApiKey> Keys { get; set; } = [];

    /// <summary>Requests each key may make per minute (<c>Api:RateLimit:PermitsPerMinute</c>); more get 429 with Retry-After.</summary>
    public ApiRateLimit RateLimit { get; set; } = new();

    public static ApiOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ApiOptions>() ?? new ApiOptions();

    public void Validate()
    {
        if (Keys.Count == 0)
        {
            throw new InvalidOperationException("Api:Keys is empty: configure at least one key (Api__Keys__0__Name and Api__Keys__0__KeyHash)");
        }

        for (var i = 0; i < Keys.Count; i++)
        {
            Keys[i].Validate($"Api:Keys:{i}");
        }

        if (RateLimit.PermitsPerMinute < 1)
        {
            throw new InvalidOperationException($"Api:RateLimit:PermitsPerMinute is {RateLimit.PermitsPerMinute}: it must be at least 1");
        }

        var sameName = Keys.GroupBy(k => k.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (sameName is not null)
        {
            throw new InvalidOperationException($"Api:Keys names '{sameName.Key}' more than once: key names must be unique");
        }

        var sameHash = Keys.GroupBy(k => k.KeyHash, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (sameHash is not null)
        {
            throw new InvalidOperationException($"Api:Keys '{string.Join("', '", sameHash.Select(k => k.Name))}' share one KeyHash: every key must be distinct");
        }
    }
}

/// <summary>A fixed window of one minute per key.</summary>
public sealed class ApiRateLimit
{
    public int PermitsPerMinute { get; set; } = 600;
}

/// <summary>
/// One API key. Only the SHA-256 of the key is configured, never the key itself. A key with a
/// <see cref="Tenant"/> sees that tenant's cost rows and nothing else.
/// </summary>
public sealed class ApiKey
{
    public string Name { get; set; } = "";

    /// <summary>SHA-256 of the key's UTF-8 bytes as 64 hex digits: <c>printf %s "$KEY" | sha256sum</c>.</summary>
    public string KeyHash { get; set; } = "";

    public string? Tenant { get; set; }

    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    internal void Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new InvalidOperationException($"{path}:Name is empty: every key needs a name for logs and errors");
        }

        if (KeyHash.Length != 64 || !KeyHash.All(char.IsAsciiHexDigit))
        {
            throw new InvalidOperationException(
                $"{path}:KeyHash of key '{Name}' is not 64 hex digits: configure the SHA-256 of the key (printf %s \"$KEY\" | sha256sum), never the key itself");
        }

        if (Tenant is not null && (string.IsNullOrWhiteSpace(Tenant) || Tenant.StartsWith('(')))
        {
            throw new InvalidOperationException(
                $"{path}:Tenant '{Tenant}' of key '{Name}' is not a tenant: leave it unset for a key that sees every tenant, or name one tenant (labels in parentheses are shared rows)");
        }
    }
}
