using System.Diagnostics;

namespace Streaming.Benchmarks.Serving;

/// <summary>`streaming serve` as a child process on a loopback port, so the load generator is a separate process.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="cores">taskset's core list for the node (e.g. "1"), or null to share every core.</param>
    public static async Task<ServerProcess> StartAsync(int port, IEnumerable<string> settings, string? cores = null)
    {
        var start = new ProcessStartInfo(cores is null ? "dotnet" : "taskset") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] pinning = cores is null ? [] : ["-c", cores, "dotnet"];
        foreach (var argument in (string[])[.. pinning, Path.Combine(AppContext.BaseDirectory, "streaming.dll"), "serve", "--urls", $"http://127.0.0.1:{port}", .. settings])
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the serving process.");
        // Failures, and each swap's "loaded and warmed in N ms": what a hot swap costs the node itself.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && (line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("warmed", StringComparison.Ordinal)))
                Console.Error.WriteLine("  [server] " + line);
        };
        process.ErrorDataReceived += (_, e) => { if (!string.IsNullOrWhiteSpace(e.Data)) Console.Error.WriteLine("  [server] " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = server.Address };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        await server.DisposeAsync();
        throw new InvalidOperationException("The serving process did not become ready within 60 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
