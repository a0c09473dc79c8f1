using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace TrueCost.Api.Auth;

/// <summary>
/// Each API key gets <see cref="ApiRateLimit.PermitsPerMinute"/> requests a minute on <c>/v1</c>, counted after
/// authorization (a request without a valid key is refused before it counts). Over the limit: 429, a problem and Retry-After.
/// </summary>
public static class RateLimits
{
    public const string PerKey = "per-key";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddApiRateLimits(this IServiceCollection services, ApiRateLimit limit) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(PerKey, context => RateLimitPartition.GetFixedWindowLimiter(
                Caller.From(context.User).KeyName,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limit.PermitsPerMinute, Window = Window, QueueLimit = 0 }));
            o.OnRejected = async (rejected, ct) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
                rejected.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    detail: $"this key may make {limit.PermitsPerMinute} requests a minute (Api:RateLimit:PermitsPerMinute); try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s")
                    .ExecuteAsync(rejected.HttpContext);
            };
        });
}
