using System.Diagnostics;

namespace Streaming.Benchmarks.Serving;

/// <summary>
/// HTTP load at a fixed rate from this process: each connection sends on its own schedule (one request every
/// connections / QPS seconds, or at once when behind it). A latency runs from the send to the last byte: the timer that
/// paces the sends overshoots by up to a millisecond here, which would swamp the figures if counted from the due time.
/// Two endpoints at the same rate and connections compare like with like.
/// </summary>
public sealed class PacedLoad(Uri server, IReadOnlyList<string>? bodies, string path)
{
    public async Task<LoadResult> RunAsync(int connections, double qps, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(10) };
        var log = new RequestLog(http, path);
        var interval = Stopwatch.Frequency * connections / qps;
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var latencies = new Latencies();
            for (var i = 0; ; i++)
            {
                var due = started + (long)((i + worker / (double)connections) * interval);
                if (due >= end) break;
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
                await log.SendAsync(bodies?[(i * connections + worker) % bodies.Count], latencies);
            }
            return latencies;
        })).ToList();
        return log.Result(await Task.WhenAll(workers));
    }
}
