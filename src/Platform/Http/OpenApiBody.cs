using Microsoft.AspNetCore.Builder;
using Microsoft.OpenApi;

namespace Streaming.Platform.Http;

public static class OpenApiBody
{
    /// <summary>
    /// Documents a JSON request body that the handler reads itself (and, with <paramref name="alsoNdjson"/>, the same
    /// records as newline-delimited JSON). (<c>Accepts&lt;T&gt;</c> would document it too,
    /// but also makes routing answer other media types with its own 415, past our problem details and counters.)
    /// </summary>
    public static TBuilder DocumentsJsonBody<TBuilder, TBody>(this TBuilder builder, bool alsoNdjson = false) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken) },
            };
            if (alsoNdjson) content["application/x-ndjson"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "One record per line." } };
            operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
        });
}
