using System.Diagnostics;
using System.Net;
using System.Text;

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
        var errors = new Dictionary<string, long>();
        long requests = 0, failed = 0;
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var latencies = new Latencies();
            for (var i = worker; ; i += connections)
            {
                var sent = Stopwatch.GetTimestamp();
                if (sent >= end) break;
                using var content = bodies is null ? null : new ByteArrayContent(Encoding.UTF8.GetBytes(bodies[i % bodies.Count]));
                content?.Headers.ContentType = new("application/json");
                string? error = null;
                try
                {
                    using var response = content is null ? await http.GetAsync(path) : await http.PostAsync(path, content);
                    var text = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK) error = $"{(int)response.StatusCode} {text[..Math.Min(120, text.Length)]}";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    error = e.GetType().Name + ": " + e.Message;
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
