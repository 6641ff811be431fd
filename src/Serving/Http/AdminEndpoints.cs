using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Streaming.Contracts;
using Streaming.Models.Store;
using Streaming.Platform.Http;
using Streaming.Serving.Models;
using Streaming.Serving.Prediction;
using Streaming.Serving.Rollouts;

namespace Streaming.Serving.Http;

/// <summary>
/// Operator endpoints, behind the host's admin scope (an Access:ApiKeys key granting "admin"): PUT /v1/admin/models/{name}/pin
/// {"version": n} pins every serving node to a stored version, DELETE unpins (follow the newest again),
/// POST .../rollback pins the stored version before the one served. The pin lives in the model store, so
/// every node follows it within Serving:PinPollInterval; this node at once. PUT .../rollout sets an A/B, canary or
/// shadow rollout (<see cref="Rollout"/>), GET reads it, DELETE ends it; kept in Redis the same way.
/// </summary>
internal static class AdminEndpoints
{
    /// <summary>Maps the admin endpoints; the host puts its access policy on the group returned.</summary>
    public static RouteGroupBuilder MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/v1/admin/models/{name}").WithTags("Admin").ProducesProblem(404);

        admin.MapPut("/pin", async (string name, HttpContext context, ServingOptions options, AdminActions actions) =>
        {
            var (pin, problem) = await JsonBody.ReadAsync(context.Request, ServingJsonContext.Default.PinRequest, options.MaxBodyBytes);
            if (problem is not null) return actions.Problem(problem);
            return pin!.Version is { } version
                ? await actions.PinAsync(name, version, context.RequestAborted)
                : actions.Problem(new(400, "missing_version", "Send {\"version\": n}; to unpin, DELETE this resource."));
        }).DocumentsJsonBody<RouteHandlerBuilder, PinRequest>().Produces<ModelStatus>().ProducesProblem(400);
        admin.MapDelete("/pin", (string name, AdminActions actions, CancellationToken cancel) => actions.UnpinAsync(name, cancel))
            .Produces<ModelStatus>();
        admin.MapPost("/rollback", (string name, AdminActions actions, CancellationToken cancel) => actions.RollbackAsync(name, cancel))
            .Produces<ModelStatus>().ProducesProblem(409);
        admin.MapPut("/rollout", async (string name, HttpContext context, ServingOptions options, ModelRegistry registry, RolloutTable rollouts, AdminActions actions) =>
        {
            if (!registry.IsServed(name)) return actions.Problem(new(404, "unknown_model", $"This node does not serve a model named '{name}'."));
            var (rollout, problem) = await JsonBody.ReadAsync(context.Request, ContractsJsonContext.Default.Rollout, options.MaxBodyBytes);
            if ((problem ?? rollouts.Validate(name, rollout)) is { } invalid) return actions.Problem(invalid);
            return Results.Json(await rollouts.SetAsync(name, rollout!, context.RequestAborted), ContractsJsonContext.Default.Rollout);
        }).DocumentsJsonBody<RouteHandlerBuilder, Rollout>().Produces<Rollout>().ProducesProblem(400);
        admin.MapGet("/rollout", (string name, RolloutTable rollouts) =>
                rollouts.For(name) is { } rollout ? Results.Json(rollout, ContractsJsonContext.Default.Rollout) : Results.NoContent())
            .Produces<Rollout>().Produces(204);
        admin.MapDelete("/rollout", async (string name, RolloutTable rollouts, CancellationToken cancel) =>
        {
            await rollouts.ClearAsync(name, cancel);
            return Results.NoContent();
        }).Produces(204);
        return admin;
    }
}

/// <summary>What the admin endpoints do, apart from HTTP.</summary>
internal sealed class AdminActions(ModelRegistry registry, IModelStore store, ModelFollower follower, ModelCatalog catalog, ServingMetrics metrics)
{
    public async Task<IResult> PinAsync(string model, long version, CancellationToken cancel)
    {
        if (!registry.IsServed(model)) return Unknown(model);
        if (!(await store.VersionsAsync(model, cancel)).Contains(version))
            return Problem(new(404, "unknown_version", $"{model} v{version} is not in the model store; GET /v1/models/{model} lists the stored versions."));
        return await SetPinAsync(model, version, cancel);
    }

    public async Task<IResult> UnpinAsync(string model, CancellationToken cancel) =>
        registry.IsServed(model) ? await SetPinAsync(model, null, cancel) : Unknown(model);

    public async Task<IResult> RollbackAsync(string model, CancellationToken cancel)
    {
        if (!registry.IsServed(model)) return Unknown(model);
        var current = registry.Peek(model)?.Version;
        var earlier = (await store.VersionsAsync(model, cancel)).Where(v => current is null || v < current).ToList();
        return earlier.Count == 0
            ? Problem(new(409, "no_earlier_version", $"No stored version of {model} is older than v{current}."))
            : await SetPinAsync(model, earlier[^1], cancel);
    }

    public IResult Problem(PredictionRejection rejection) => ServingEndpoints.Problem(metrics, rejection);

    private IResult Unknown(string model) => Problem(new(404, "unknown_model", $"This node does not serve a model named '{model}'."));

    private async Task<IResult> SetPinAsync(string model, long? version, CancellationToken cancel)
    {
        await store.SetPinAsync(model, version, cancel);
        follower.ReconcileSoon();
        return Results.Json(await catalog.StatusAsync(model, cancel), ServingJsonContext.Default.ModelStatus);
    }
}
