namespace Streaming.Host.Web.Access;

/// <summary>The problem+json body of a request refused before its endpoint ran (authentication, rate limit).</summary>
internal static class AccessProblems
{
    public static async Task WriteAsync(HttpContext context, int status, string reason, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = reason.Replace('_', ' '), Detail = detail, Extensions = { ["reason"] = reason } },
        });
    }
}
