using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Streaming.Tests.Support;

/// <summary>
/// An application and a producer at once, against one host: every tick it asks for a prediction for a flight,
/// publishes that flight's departure, and publishes its label naming the prediction, as a client would, retrying
/// a 503 (the API says it is safe to) until the record is taken. It records every answer, so a test can say what
/// each phase of a fault looked like from outside.
/// </summary>
public sealed class SteadyLoad : IAsyncDisposable
{
    private static readonly string[] Airports = ["SFO", "LAX", "ORD", "JFK", "SEA", "DEN"];
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private long _events, _labels, _labelsOfPredictions, _ingestRetries;

    public SteadyLoad(Uri address, string model, TimeSpan tick)
    {
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        _running = Task.Run(() => RunAsync(model, tick));
    }

    /// <summary>Every prediction answered so far, in order.</summary>
    public ConcurrentQueue<Answer> Predictions { get; } = new();

    /// <summary>Ingest answers other than 200 and 503 (a 503 is retried), as "status body".</summary>
    public ConcurrentQueue<string> IngestErrors { get; } = new();

    public long EventsAccepted => Interlocked.Read(ref _events);
    public long LabelsAccepted => Interlocked.Read(ref _labels);
    /// <summary>Accepted labels that name a prediction (one was answered): each should become a training example.</summary>
    public long LabelsOfPredictions => Interlocked.Read(ref _labelsOfPredictions);
    public long IngestRetries => Interlocked.Read(ref _ingestRetries);

    /// <summary>One prediction as the client saw it: status, time to answer, and each view's status (empty unless 200).</summary>
    public sealed record Answer(DateTime At, HttpStatusCode Status, TimeSpan Took, IReadOnlyList<string> ViewStatuses, string? PredictionId);

    private async Task RunAsync(string model, TimeSpan tick)
    {
        // As behind a balancer gated by /readyz: no traffic before the node says it can answer.
        while (!_stop.IsCancellationRequested && (await _http.GetAsync("/readyz")).StatusCode != HttpStatusCode.OK) await Task.Delay(100);
        // Asking and publishing apart, as an application and a producer are: a producer retrying does not hold up predictions.
        var flights = Channel.CreateUnbounded<(int N, string Keys, int Distance, string? PredictionId)>();
        var publishing = Task.Run(async () =>
        {
            var random = new Random(11);
            await foreach (var (n, keys, distance, predictionId) in flights.Reader.ReadAllAsync())
            {
                var now = DateTimeOffset.UtcNow;
                if (await IngestAsync("/v1/events", $$$"""{"id":"e{{{n}}}","type":"flight.departure","time":"{{{now:O}}}","keys":{{{keys}}},"fields":{"distance":{{{distance}}}}}"""))
                    Interlocked.Increment(ref _events);
                var prediction = predictionId is null ? "" : $",\"predictionId\":\"{predictionId}\"";
                if (await IngestAsync("/v1/labels",
                        $$"""{"id":"l{{n}}","name":"departure_delay_minutes","value":{{random.Next(-10, 60)}},"time":"{{now.AddMilliseconds(1):O}}","eventId":"e{{n}}","keys":{{keys}}{{prediction}}}"""))
                {
                    Interlocked.Increment(ref _labels);
                    if (predictionId is not null) Interlocked.Increment(ref _labelsOfPredictions);
                }
            }
        });
        var random = new Random(7);
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var origin = Airports[random.Next(Airports.Length)];
            var destination = Airports[random.Next(Airports.Length)];
            var keys = $$"""{"origin":"{{origin}}","destination":"{{destination}}","route":"{{origin}}-{{destination}}"}""";
            var distance = random.Next(100, 3000);
            var answer = await PredictAsync(model, $$$"""{"keys":{{{keys}}},"fields":{"distance":{{{distance}}}}}""");
            Predictions.Enqueue(answer);
            flights.Writer.TryWrite((n, keys, distance, answer.PredictionId));
            try
            {
                await Task.Delay(tick, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        flights.Writer.Complete();
        await publishing; // every flight asked about is published (retried until taken) before the load ends
    }

    private async Task<Answer> PredictAsync(string model, string body)
    {
        var took = Stopwatch.StartNew();
        try
        {
            using var response = await _http.PostAsync($"/v1/models/{model}/predict", new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK) return new Answer(DateTime.UtcNow, response.StatusCode, took.Elapsed, [], null);
            using var json = JsonDocument.Parse(text);
            var statuses = json.RootElement.GetProperty("features").EnumerateObject().Select(v => v.Value.GetProperty("status").GetString()!).ToList();
            return new Answer(DateTime.UtcNow, response.StatusCode, took.Elapsed, statuses, json.RootElement.GetProperty("predictionId").GetString());
        }
        catch (HttpRequestException)
        {
            return new Answer(DateTime.UtcNow, 0, took.Elapsed, [], null); // no answer at all: counted as a failure by the test
        }
    }

    /// <summary>Posts one record until it is taken; false when it was refused for good (recorded in <see cref="IngestErrors"/>).</summary>
    private async Task<bool> IngestAsync(string path, string body)
    {
        while (true)
        {
            using var response = await _http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            if (response.StatusCode == HttpStatusCode.OK) return true;
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                IngestErrors.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                return false;
            }
            Interlocked.Increment(ref _ingestRetries);
            await Task.Delay(200);
        }
    }

    /// <summary>Stops asking, then publishes what is left (retrying until Kafka takes it), so every record the load counted was answered.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _http.Dispose();
        _stop.Dispose();
    }
}
