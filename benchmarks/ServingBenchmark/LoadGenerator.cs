using System.Diagnostics;

namespace Streaming.Benchmarks.Serving;

/// <summary>
/// Closed-loop HTTP load from this process: each of the workers sends one request at a time on its own
/// keep-alive connection and the next as soon as it has the answer, so the offered load adapts to the server
/// (raise the connections for more). A latency is send to last byte of the answer.
/// </summary>
/// <param name="bodies">JSON bodies POSTed in turn; null: GET <paramref name="path"/>.</param>
public sealed class LoadGenerator(Uri server, IReadOnlyList<string>? bodies, string path) : ILoad
{
    public string Name => "HttpClient (this process)";

    public async Task<LoadResult> RunAsync(int connections, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
        var log = new RequestLog(http, path);
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var latencies = new Latencies();
            for (var i = worker; Stopwatch.GetTimestamp() < end; i += connections) await log.SendAsync(bodies?[i % bodies.Count], latencies);
            return latencies;
        })).ToList();
        return log.Result(await Task.WhenAll(workers));
    }
}
