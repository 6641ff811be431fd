using System.Diagnostics;
using System.Net;
using System.Text;

namespace Streaming.Benchmarks.Serving;

/// <summary>One load run's requests from this process: sends each (POST of a JSON body, or GET), times it from the send to the last byte, and counts failures by cause.</summary>
internal sealed class RequestLog(HttpClient http, string path)
{
    private readonly Dictionary<string, long> _errors = [];
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _requests, _failed;

    public async Task SendAsync(string? body, Latencies latencies)
    {
        var sent = Stopwatch.GetTimestamp();
        using var content = body is null ? null : new ByteArrayContent(Encoding.UTF8.GetBytes(body));
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
        Interlocked.Increment(ref _requests);
        if (error is null) return;
        Interlocked.Increment(ref _failed);
        lock (_errors) _errors[error] = _errors.GetValueOrDefault(error) + 1;
    }

    public LoadResult Result(IEnumerable<Latencies> perWorker)
    {
        var all = new Latencies();
        foreach (var latencies in perWorker) all.AddRange(latencies);
        var elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        return new LoadResult(_requests / elapsed, all.PercentileMicros(50), all.PercentileMicros(99), all.PercentileMicros(99.9), _requests, _failed, _errors);
    }
}
