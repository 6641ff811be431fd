using System.Diagnostics;
using System.Net;
using System.Text;

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
        var interval = Stopwatch.Frequency * connections / qps;
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long requests = 0, failed = 0;
        var errors = new Dictionary<string, long>();
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var latencies = new Latencies();
            for (var i = 0; ; i++)
            {
                var due = started + (long)((i + worker / (double)connections) * interval);
                if (due >= end) break;
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
                var sent = Stopwatch.GetTimestamp();
                using var content = bodies is null ? null : new ByteArrayContent(Encoding.UTF8.GetBytes(bodies[(i * connections + worker) % bodies.Count]));
                content?.Headers.ContentType = new("application/json");
                string? error = null;
                try
                {
                    using var response = content is null ? await http.GetAsync(path) : await http.PostAsync(path, content);
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode != HttpStatusCode.OK) error = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    error = e.GetType().Name;
                }
                latencies.Add(Stopwatch.GetTimestamp() - sent);
                Interlocked.Increment(ref requests);
                if (error is null) continue;
                Interlocked.Increment(ref failed);
                lock (errors) errors[error] = errors.GetValueOrDefault(error) + 1;
            }
            return latencies;
        })).ToList();
        var all = new Latencies();
        foreach (var latencies in await Task.WhenAll(workers)) all.AddRange(latencies);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new LoadResult(requests / elapsed, all.PercentileMicros(50), all.PercentileMicros(99), all.PercentileMicros(99.9), requests, failed, errors);
    }
}
