namespace Streaming.Host.Cli;

/// <summary>
/// Runs a web host to its end and turns how it ended into an exit code a supervisor can act on: a part that failed
/// (a background service that threw, which stops the host) exits 1 and says which part and why; a stop asked for
/// (Ctrl+C, SIGTERM, --once) exits 0.
/// </summary>
internal static class HostRun
{
    public const int PartFailed = 1;
    public const int ConfigurationError = 2;

    public static async Task<int> RunAsync(WebApplication app, CancellationToken cancellationToken)
    {
        // Taken before: RunAsync disposes the host's services when it ends.
        var parts = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
        try
        {
            await app.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop while still starting: a requested stop like any other.
        }
        var failed = parts.Where(service => service.ExecuteTask is { IsFaulted: true }).ToList();
        foreach (var service in failed)
            await Console.Error.WriteLineAsync($"{service.GetType().Name} failed and stopped the host: {service.ExecuteTask!.Exception!.InnerException?.Message}");
        return failed.Count == 0 ? 0 : PartFailed;
    }

    /// <summary>A configuration that fails validation at start: which settings, and that nothing ran.</summary>
    public static int ConfigurationInvalid(IEnumerable<string> failures)
    {
        Console.Error.WriteLine($"Invalid configuration, nothing was started: {string.Join("; ", failures)}");
        return ConfigurationError;
    }
}
