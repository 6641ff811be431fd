using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Streaming.Platform.Http;
using Streaming.Serving.Models;
using Streaming.Serving.Prediction;

namespace Streaming.Serving.Http;

/// <summary>
/// The prediction API: POST /v1/models/{name}/predict (one), POST /v1/models/{name}/predict/batch (many),
/// GET /v1/models and /v1/models/{name}. Every problem is a 4xx problem+json with a "reason", counted in
/// streaming_serving_rejected_total; 503 only while no version is loaded yet.
/// </summary>
internal static class ServingEndpoints
{
    /// <returns>The prediction endpoints, for the host to put its access rules on.</returns>
    public static RouteGroupBuilder MapServingEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var predictions = endpoints.MapGroup("/v1/models/{name}").WithTags("Predictions");
        predictions.MapPost("/predict", PredictOneAsync)
            .WithName("Predict")
            .DocumentsJsonBody<RouteHandlerBuilder, PredictionRequest>()
            .Produces<PredictionResponse>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(503);
        predictions.MapPost("/predict/batch", PredictBatchAsync)
            .WithName("PredictBatch")
            .DocumentsJsonBody<RouteHandlerBuilder, BatchPredictionRequest>()
            .Produces<BatchPredictionResponse>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(503);
        endpoints.MapGet("/v1/models", async (ModelCatalog catalog, CancellationToken cancel) =>
                Results.Json(await catalog.AllAsync(cancel), ServingJsonContext.Default.IReadOnlyListModelStatus))
            .WithName("ListModels").WithTags("Models").Produces<IReadOnlyList<ModelStatus>>();
        endpoints.MapGet("/v1/models/{name}", async (string name, ModelRegistry registry, ModelCatalog catalog, ServingMetrics metrics, CancellationToken cancel) =>
                registry.IsServed(name)
                    ? Results.Json(await catalog.StatusAsync(name, cancel), ServingJsonContext.Default.ModelStatus)
                    : Problem(metrics, new(404, "unknown_model", $"This node does not serve a model named '{name}'.")))
            .WithName("GetModel").WithTags("Models").Produces<ModelStatus>().ProducesProblem(404);
        return predictions;
    }

    private static async Task<IResult> PredictOneAsync(string name, HttpContext context, Predictor predictor, MicroBatcher batcher, ServingOptions options, ServingMetrics metrics)
    {
        var started = Stopwatch.GetTimestamp();
        var (request, problem) = await JsonBody.ReadAsync(context.Request, ServingJsonContext.Default.PredictionRequest, options.MaxBodyBytes);
        var result = problem is null
            ? await AnswerAsync(name, [request], predictor, metrics, async () =>
                await batcher.PredictAsync(name, request!) is { } response ? Results.Json(response, ServingJsonContext.Default.PredictionResponse) : null)
            : Problem(metrics, problem);
        return Count(metrics, "predict", started, result);
    }

    private static async Task<IResult> PredictBatchAsync(string name, HttpContext context, Predictor predictor, ServingOptions options, ServingMetrics metrics)
    {
        var started = Stopwatch.GetTimestamp();
        var (batch, problem) = await JsonBody.ReadAsync(context.Request, ServingJsonContext.Default.BatchPredictionRequest, options.MaxBodyBytes);
        var result = problem is null
            ? await AnswerAsync(name, batch!.Requests, predictor, metrics, async () =>
                await predictor.PredictAsync(name, batch.Requests!) is { } responses ? Results.Json(new BatchPredictionResponse(responses), ServingJsonContext.Default.BatchPredictionResponse) : null)
            : Problem(metrics, problem);
        return Count(metrics, "predict_batch", started, result);
    }

    /// <summary>Validates, then predicts; <paramref name="predict"/> answers null while no version is loaded (503).</summary>
    private static async Task<IResult> AnswerAsync(string model, IReadOnlyList<PredictionRequest?>? requests, Predictor predictor, ServingMetrics metrics, Func<Task<IResult?>> predict)
    {
        if (predictor.Validate(model, requests) is { } invalid) return Problem(metrics, invalid);
        return await predict()
            ?? Problem(metrics, new(503, "model_not_loaded", $"No version of '{model}' is loaded on this node yet; retry shortly (see /readyz)."));
    }

    internal static IResult Problem(ServingMetrics metrics, PredictionRejection rejection)
    {
        metrics.Rejected.WithLabels(rejection.Reason).Inc();
        return Results.Problem(statusCode: rejection.Status, title: Title(rejection.Status), detail: rejection.Detail,
            extensions: new Dictionary<string, object?> { ["reason"] = rejection.Reason });
    }

    private static string Title(int status) => status switch
    {
        400 => "The request is not valid",
        401 => "An API key is required",
        403 => "Not allowed",
        404 => "Not found",
        409 => "Conflict",
        413 => "The request body is too large",
        415 => "Unsupported media type",
        _ => "Not available yet",
    };

    private static IResult Count(ServingMetrics metrics, string endpoint, long started, IResult result)
    {
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 200;
        metrics.Requests.WithLabels(endpoint, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        metrics.Latency.WithLabels(endpoint).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return result;
    }
}
