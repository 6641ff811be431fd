using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Streaming.Platform.IO;
using Streaming.Serving.Prediction;

namespace Streaming.Serving.Http;

/// <summary>
/// Reads a JSON request body into the type given or says precisely what is wrong with it: too large
/// (413), broken off before its end (400 body_incomplete: the client went away), not JSON (415), not well-formed (400 malformed_json), or well-formed but not the expected shape
/// (400 invalid_request: a wrong type, a missing or unknown property).
/// </summary>
internal static class JsonBody
{
    public static async Task<(T? Value, PredictionRejection? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, int maxBytes)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not (null or "" or "application/json") && !(mediaType?.EndsWith("+json", StringComparison.Ordinal) ?? false))
            return (default, new(415, "unsupported_media_type", $"Send application/json, not {mediaType}."));
        var (body, tooLarge, brokenOff) = await BoundedRead.ReadAsync(request.Body, maxBytes, request.ContentLength, request.HttpContext.RequestAborted);
        if (tooLarge)
            return (default, new(413, "body_too_large", $"The body exceeds {maxBytes} bytes (Serving:MaxBodyBytes); send fewer requests per batch."));
        if (brokenOff is not null)
            return (default, new(400, "body_incomplete", $"The body broke off after {body.Length} bytes ({brokenOff}); send it whole."));
        if (body.Length == 0)
            return (default, new(400, "malformed_json", "The body is empty; send a JSON object."));
        try
        {
            var value = JsonSerializer.Deserialize(body, type);
            return value is null ? (default, new(400, "invalid_request", "The body is JSON null; send a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            // Only on this (rare) path: is the JSON itself broken, or only its shape?
            var wellFormed = IsWellFormed(body);
            return (default, new(400, wellFormed ? "invalid_request" : "malformed_json",
                (wellFormed ? "The JSON does not have the expected shape: " : "The body is not well-formed JSON: ") + e.Message));
        }
    }

    private static bool IsWellFormed(byte[] body)
    {
        try
        {
            using var _ = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
