using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Streaming.Platform;

namespace Streaming.Host.Web.Access;

/// <summary>API keys for ingest, predict and admin, and per-caller rate limits for ingest and predict: ASP.NET Core's authentication, authorization and rate limiter.</summary>
internal static class AccessRegistration
{
    public static IServiceCollection AddStreamingAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<AccessOptions>(configuration, AccessOptions.Section);
        var access = configuration.GetSection(AccessOptions.Section).Get<AccessOptions>() ?? new AccessOptions();
        services.AddSingleton<AccessMetrics>();
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorization(options =>
        {
            foreach (var scope in AccessScopes.All)
            {
                // A scope no key grants stays open: the node is then protected by where it listens (loopback by default).
                // Admin does not: it stays closed until a key grants it.
                var guarded = !AccessScopes.OpenWithoutKeys(scope) || access.ApiKeys.Any(k => k.Scopes.Contains(scope));
                options.AddPolicy(scope, policy => policy.RequireAssertion(context => !guarded || context.User.HasClaim(ApiKeyAuthentication.ScopeClaim, scope)));
            }
        });
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(AccessScopes.Ingest, context => PerCaller(context, access.Ingest));
            options.AddPolicy(AccessScopes.Predict, context => PerCaller(context, access.Predict));
            options.OnRejected = async (rejected, _) =>
            {
                var context = rejected.HttpContext;
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                context.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                context.RequestServices.GetRequiredService<AccessMetrics>().Refused(context, "rate_limited");
                await AccessProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"Too many requests from '{Caller(context)}'; retry after {retry} s (Access:Ingest / Access:Predict set the limits).");
            };
        });
        return services;
    }

    /// <summary>Authentication, authorization and rate limits, in that order: a limit is per caller, so the caller must be known first.</summary>
    public static WebApplication UseStreamingAccess(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>The endpoints of one scope: its key policy and its rate limit (ingest and predict have one), with their answers in the OpenAPI document.</summary>
    public static RouteGroupBuilder RequireAccess(this RouteGroupBuilder endpoints, string scope)
    {
        endpoints.RequireAuthorization(scope).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        if (AccessScopes.RateLimited(scope)) endpoints.RequireRateLimiting(scope).ProducesProblem(StatusCodes.Status429TooManyRequests);
        return endpoints;
    }

    private static RateLimitPartition<string> PerCaller(HttpContext context, RateLimitOptions limit) =>
        limit.PermitsPerSecond <= 0
            ? RateLimitPartition.GetNoLimiter("unlimited")
            : RateLimitPartition.GetTokenBucketLimiter(Caller(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limit.Burst,
                TokensPerPeriod = limit.PermitsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });

    private static string Caller(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } name } ? "key:" + name : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
