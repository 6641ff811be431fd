using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Streaming.Host.Web.Access;

/// <summary>
/// Authenticates the X-Api-Key header against Access:ApiKeys: a known key becomes a caller named after it, with one
/// "scope" claim per scope it grants. No header is no caller (the policy decides whether that is enough); an unknown
/// key fails. Challenges and refusals answer problem+json with a reason, counted like every other refusal.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<AccessOptions> access, AccessMetrics metrics)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";
    public const string ScopeClaim = "scope";

    // Keys compared by their SHA-256 in fixed time, so neither a key's length nor its prefix leaks through timing.
    private readonly (byte[] Hash, ApiKeyOptions Key)[] _keys = access.Value.ApiKeys.Select(k => (Hash(k.Key), k)).ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var given) || string.IsNullOrEmpty(given)) return Task.FromResult(AuthenticateResult.NoResult());
        var hash = Hash(given.ToString());
        ApiKeyOptions? match = null;
        foreach (var (keyHash, key) in _keys)
            if (CryptographicOperations.FixedTimeEquals(hash, keyHash)) match = key;
        if (match is null) return Task.FromResult(AuthenticateResult.Fail("The X-Api-Key is not a key of this node."));
        var claims = match.Scopes.Select(s => new Claim(ScopeClaim, s)).Append(new Claim(ClaimTypes.Name, match.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (RequiredScope() is { } scope && !AccessScopes.OpenWithoutKeys(scope) && !_keys.Any(k => k.Key.Scopes.Contains(scope)))
            return Refuse(StatusCodes.Status403Forbidden, $"{scope}_disabled", $"No key grants the {scope} scope on this node (Access:ApiKeys:N:Scopes: {scope}).");
        var unknown = Request.Headers.ContainsKey(Header);
        return Refuse(StatusCodes.Status401Unauthorized, unknown ? "invalid_api_key" : "missing_api_key",
            unknown ? "The X-Api-Key header holds no key this node knows." : $"This endpoint needs an API key in the {Header} header (Access:ApiKeys).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Refuse(StatusCodes.Status403Forbidden, "scope_not_granted", $"The key '{Context.User.Identity?.Name}' does not grant this endpoint's scope.");

    private async Task Refuse(int status, string reason, string detail)
    {
        metrics.Refused(Context, reason);
        await AccessProblems.WriteAsync(Context, status, reason, detail);
    }

    /// <summary>The scope (authorization policy) of the endpoint being refused.</summary>
    private string? RequiredScope() => Context.GetEndpoint()?.Metadata.GetMetadata<IAuthorizeData>()?.Policy;

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
