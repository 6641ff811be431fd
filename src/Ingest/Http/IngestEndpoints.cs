using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Streaming.Contracts;
using Streaming.Ingest.Publishing;
using Streaming.Ingest.Validation;
using Streaming.Platform.Http;
using Streaming.Platform.IO;

namespace Streaming.Ingest.Http;

/// <summary>
/// POST /v1/events and /v1/labels: a JSON array, a single JSON object, or NDJSON (application/x-ndjson).
/// 200 with counts when every record was accepted or dead-lettered with its reason (see "errors");
/// 400 problem+json when nothing could be accepted (the body is dead-lettered); 413 over the size limit;
/// 415 for other media types; 503 when Kafka did not acknowledge (safe to retry).
/// </summary>
public static class IngestEndpoints
{
    private const string Source = "http";

    /// <returns>The ingest endpoints, for the host to put its access rules on.</returns>
    public static RouteGroupBuilder MapIngestEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var ingest = endpoints.MapGroup("/v1").WithTags("Ingest");
        ingest.MapPost("/events", (HttpContext context, IngestPipeline pipeline, IngestOptions options) =>
                HandleAsync(context, IngestStream.Events, pipeline, options))
            .WithName("IngestEvents").WithSummary("Publish events: a JSON array, one JSON object, or NDJSON.")
            .DocumentsJsonBody<RouteHandlerBuilder, EntityEvent[]>(alsoNdjson: true)
            .Documents();
        ingest.MapPost("/labels", (HttpContext context, IngestPipeline pipeline, IngestOptions options) =>
                HandleAsync(context, IngestStream.Labels, pipeline, options))
            .WithName("IngestLabels").WithSummary("Publish labels (late outcomes naming a prediction or an event): a JSON array, one JSON object, or NDJSON.")
            .DocumentsJsonBody<RouteHandlerBuilder, Label[]>(alsoNdjson: true)
            .Documents();
        return ingest;
    }

    private static RouteHandlerBuilder Documents(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<IngestResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(503);

    private static async Task<IResult> HandleAsync(HttpContext context, IngestStream stream, IngestPipeline pipeline, IngestOptions options)
    {
        var cancel = context.RequestAborted;
        var (body, tooLarge, brokenOff) = await BoundedRead.ReadAsync(context.Request.Body, options.MaxBodyBytes, context.Request.ContentLength, cancel);
        if (tooLarge)
            return await RejectBodyAsync(pipeline, stream, body, StatusCodes.Status413PayloadTooLarge, RejectionReasons.BodyTooLarge,
                $"The body exceeds {options.MaxBodyBytes} bytes; split it into smaller requests.", cancel);
        if (brokenOff is not null)
            return await RejectBodyAsync(pipeline, stream, body, StatusCodes.Status400BadRequest, RejectionReasons.BodyIncomplete,
                $"The body broke off after {body.Length} bytes ({brokenOff}); nothing was accepted. Send it whole.",
                CancellationToken.None); // dead-lettered even though the client has gone: its bytes are data too

        var mediaType = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var isNdjson = mediaType is "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines";
        if (!isNdjson && mediaType is not (null or "" or "application/json"))
            return await RejectBodyAsync(pipeline, stream, body, StatusCodes.Status415UnsupportedMediaType, RejectionReasons.UnsupportedMediaType,
                $"Send application/json (an array or one object) or application/x-ndjson, not {mediaType}.", cancel);
        var records = isNdjson ? BodySplitter.SplitNdjson(body) : BodySplitter.SplitJson(body);
        if (records is null)
            return await RejectBodyAsync(pipeline, stream, body, StatusCodes.Status400BadRequest, RejectionReasons.MalformedJson,
                "The body is not a well-formed JSON array, so it could not be split into records; nothing was accepted.", cancel);
        if (records.Count == 0)
            return await RejectBodyAsync(pipeline, stream, body, StatusCodes.Status400BadRequest, RejectionReasons.EmptyBody,
                "The body holds no records.", cancel);
        if (records.Count > options.MaxRecordsPerRequest)
            return await RejectBodyAsync(pipeline, stream, body, StatusCodes.Status413PayloadTooLarge, RejectionReasons.TooManyRecords,
                $"The body holds {records.Count} records; at most {options.MaxRecordsPerRequest} per request (Ingest:MaxRecordsPerRequest). Nothing was accepted.", cancel);

        var outcomes = await pipeline.IngestAsync(stream, records, Source, cancel);
        var response = Summarize(outcomes, options.MaxErrors);
        if (response.Failed > 0)
            return Problem(StatusCodes.Status503ServiceUnavailable, "Kafka did not acknowledge every record",
                $"{response.Failed} of {response.Received} records were not stored; retry them (accepted ones carry event ids, so retries can be deduplicated).",
                "kafka_unavailable", response);
        if (response.Accepted == 0)
            return Problem(StatusCodes.Status400BadRequest, "No record was valid",
                "Every record was rejected and dead-lettered; see errors.", response.Errors[0].Reason, response);
        return Results.Json(response, IngestJsonContext.Default.IngestResponse);
    }

    private static IngestResponse Summarize(RecordOutcome[] outcomes, int maxErrors)
    {
        var errors = new List<RecordError>();
        int accepted = 0, rejected = 0, failed = 0;
        for (var i = 0; i < outcomes.Length; i++)
        {
            var outcome = outcomes[i];
            switch (outcome.Status)
            {
                case RecordStatus.Accepted: accepted++; continue;
                case RecordStatus.Rejected: rejected++; break;
                default: failed++; break;
            }
            if (errors.Count < maxErrors) errors.Add(new RecordError(i, outcome.Reason!, outcome.Detail ?? string.Empty));
        }
        return new IngestResponse(outcomes.Length, accepted, rejected, failed, errors, rejected + failed - errors.Count);
    }

    /// <summary>A body that cannot be cut into records is itself one rejected record: dead-lettered, counted, answered.</summary>
    private static async Task<IResult> RejectBodyAsync(IngestPipeline pipeline, IngestStream stream, byte[] body,
        int status, string reason, string detail, CancellationToken cancel)
    {
        var outcome = await await pipeline.EnqueueAsync(stream, body, Source, rejection: Verdict.Reject(reason, detail), cancellationToken: cancel);
        var response = new IngestResponse(1, 0, outcome.Status == RecordStatus.Rejected ? 1 : 0, outcome.Status == RecordStatus.Failed ? 1 : 0,
            [new RecordError(0, reason, detail)]);
        return outcome.Status == RecordStatus.Failed
            ? Problem(StatusCodes.Status503ServiceUnavailable, "Kafka is unavailable", outcome.Detail ?? "retry later", "kafka_unavailable", response)
            : Problem(status, "The request body was rejected", detail, reason, response);
    }

    private static IResult Problem(int status, string title, string detail, string reason, IngestResponse response) =>
        Results.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?>
        {
            ["reason"] = reason,
            ["received"] = response.Received,
            ["accepted"] = response.Accepted,
            ["rejected"] = response.Rejected,
            ["failed"] = response.Failed,
            ["errors"] = response.Errors,
            ["errorsOmitted"] = response.ErrorsOmitted,
        });
}
