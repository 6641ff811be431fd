using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace Streaming.Serving.Http;

public static class OpenApiBody
{
    /// <summary>
    /// Documents a JSON request body that the handler reads itself. (<c>Accepts&lt;T&gt;</c> would document it too,
    /// but also makes routing answer other media types with its own 415, past our problem details and counters.)
    /// </summary>
    public static TBuilder DocumentsJsonBody<TBuilder, TBody>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken) },
                },
            };
        });
}
