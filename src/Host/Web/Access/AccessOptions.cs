using System.ComponentModel.DataAnnotations;

namespace Streaming.Host.Web.Access;

/// <summary>
/// Configuration section "Access": who may call ingest, predict and the admin endpoints, and how often. See docs/security.md.
/// </summary>
internal sealed class AccessOptions : IValidatableObject
{
    public const string Section = "Access";

    /// <summary>
    /// API keys, sent in the X-Api-Key header. A scope (ingest, predict) with no key granting it stays open, which is the
    /// default for a node bound to loopback; once any key grants a scope, its endpoints answer 401 without a valid key.
    /// The admin scope is the exception: closed (403 admin_disabled) until a key grants it.
    /// </summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Requests per second and burst per caller (API key name, or remote address without one) on POST /v1/events and /v1/labels.</summary>
    [Required]
    public RateLimitOptions Ingest { get; set; } = new() { PermitsPerSecond = 1_000, Burst = 2_000 };

    /// <summary>The same for POST /v1/models/{name}/predict and /predict/batch.</summary>
    [Required]
    public RateLimitOptions Predict { get; set; } = new() { PermitsPerSecond = 20_000, Burst = 40_000 };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (key, index) in ApiKeys.Select((k, i) => (k, i)))
        {
            if (string.IsNullOrWhiteSpace(key.Name)) yield return new($"Access:ApiKeys:{index}:Name is empty: name each key, for logs and rate limits.");
            if (key.Key.Length < 16) yield return new($"Access:ApiKeys:{index} ({key.Name}): a key needs at least 16 characters.");
            foreach (var scope in key.Scopes.Where(s => !AccessScopes.All.Contains(s)))
                yield return new($"Access:ApiKeys:{index} ({key.Name}): unknown scope '{scope}'; use {string.Join(" or ", AccessScopes.All)}.");
        }
        foreach (var duplicate in ApiKeys.GroupBy(k => k.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            yield return new($"Access:ApiKeys: the name '{duplicate.Key}' is used {duplicate.Count()} times.");
        foreach (var (name, limit) in new[] { ("Ingest", Ingest), ("Predict", Predict) })
            if (limit.PermitsPerSecond < 0 || limit.Burst < 0 || (limit.PermitsPerSecond > 0 && limit.Burst < 1))
                yield return new($"Access:{name}: PermitsPerSecond and Burst must be ≥ 0, and Burst ≥ 1 when limited (PermitsPerSecond 0 turns the limit off).");
    }
}

/// <summary>One caller's key: its name (logs, rate-limit partition), the secret, and what it may call.</summary>
internal sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";

    /// <summary>The secret; give it through the environment (Access__ApiKeys__0__Key), never on a shared command line.</summary>
    public string Key { get; set; } = "";

    /// <summary>Any of "ingest", "predict", "admin".</summary>
    public List<string> Scopes { get; set; } = [];
}

/// <summary>A token bucket per caller: <see cref="PermitsPerSecond"/> refilled, at most <see cref="Burst"/> at once; 0 per second turns it off.</summary>
internal sealed class RateLimitOptions
{
    public int PermitsPerSecond { get; set; }
    public int Burst { get; set; }
}

/// <summary>The scopes a key can grant, which are also the names of the authorization and rate-limit policies.</summary>
internal static class AccessScopes
{
    public const string Ingest = "ingest";
    public const string Predict = "predict";

    /// <summary>Pin, rollback and rollouts: they change what every node serves, so no key means no access.</summary>
    public const string Admin = "admin";

    public static readonly string[] All = [Ingest, Predict, Admin];

    /// <summary>Whether the scope is open while no key grants it (else it answers 403 "{scope}_disabled").</summary>
    public static bool OpenWithoutKeys(string scope) => scope != Admin;

    /// <summary>Whether the scope has a per-caller rate limit (Access:Ingest, Access:Predict).</summary>
    public static bool RateLimited(string scope) => scope != Admin;
}
