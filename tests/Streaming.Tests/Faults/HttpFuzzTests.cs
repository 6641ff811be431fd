using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CsCheck;
using Streaming.Contracts;
using Streaming.FeatureStore.Streams;
using Streaming.Host.Web;
using Streaming.Tests.Support;

namespace Streaming.Tests.Faults;

/// <summary>
/// 10,000 generated mutations (CsCheck) of valid bodies, sent to the three HTTP surfaces (events, labels, predict):
/// none answers 5xx, the host stays alive, the ingest counters add up, and every record that reached a main topic
/// is one its consumers can read.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class HttpFuzzTests
{
    private const int Mutations = 10_000;

    private static readonly string[] Tokens =
    [
        "null", "1e999", "-1e308", "1e300", "\"\"", "[]", "{}", "NaN", "true", "0", "-1", ",", "}", "]", "{\"a\":", "\"\\u0000\"", "\"\\ud800\"",
        "\"9999-12-31T00:00:00Z\"", "\"0001-01-01T00:00:00Z\"", "\"1969-12-31T23:59:59Z\"", "\"" + new string('x', 5_000) + "\"",
        "{\"k\":{\"k\":{\"k\":{\"k\":{\"k\":{\"k\":[[[[[[[[1]]]]]]]]}}}}}}",
    ];

    private static readonly string[] MediaTypes = ["application/json", "application/x-ndjson", "text/plain", ""];

    private sealed record Mutation(int Surface, int Kind, int Position, int Length, byte Byte, string Token, string MediaType)
    {
        public byte[] Apply(byte[] body)
        {
            var at = Position % (body.Length + 1);
            var end = Math.Min(body.Length, at + Length);
            var token = Encoding.UTF8.GetBytes(Token);
            return Kind switch
            {
                0 => [.. body[..at], .. body[end..]], // delete a range
                1 => [.. body[..end], .. body[at..end], .. body[end..]], // repeat a range
                2 => [.. body[..at], Byte, .. body[at..]], // insert any byte
                3 => at < body.Length ? [.. body[..at], (byte)(body[at] ^ Byte), .. body[(at + 1)..]] : body, // corrupt a byte
                4 => [.. body[..at], .. token, .. body[end..]], // a range replaced by a token
                5 => body[..at], // truncated
                6 => [.. body[..at], .. token, .. body[at..]], // a token inserted
                _ => body, // unchanged: the valid path is exercised too
            };
        }
    }

    [Fact]
    public async Task Ten_thousand_mutated_bodies_get_no_5xx_the_counters_add_up_and_no_malformed_record_reaches_a_topic()
    {
        // Limits off: this test is about bodies, and 10,000 requests from one caller would meet the rate limit.
        await using var host = await RunningHost.StartAsync(HostParts.Ingest | HostParts.Serving, "--Access:Ingest:PermitsPerSecond=0", "--Access:Predict:PermitsPerSecond=0");
        await Eventually.TrueAsync(async () => (await host.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, TimeSpan.FromMinutes(1), "ready");
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var surfaces = new (string Path, byte[] Seed)[]
        {
            ("/v1/events", Encoding.UTF8.GetBytes($$$"""[{"id":"e1","type":"flight.departure","time":"{{{now}}}","keys":{"origin":"SFO","destination":"LAX","route":"SFO-LAX"},"fields":{"distance":337,"carrier":"UA"}}]""")),
            ("/v1/labels", Encoding.UTF8.GetBytes($$$"""{"id":"l1","name":"departure_delay_minutes","value":12.5,"time":"{{{now}}}","eventId":"e1","keys":{"origin":"SFO"}}""")),
            ("/v1/models/flights-delay/predict", """{"keys":{"origin":"SFO","destination":"LAX","route":"SFO-LAX"},"fields":{"distance":337}}"""u8.ToArray()),
        };
        var statuses = new ConcurrentDictionary<(int Surface, int Status), int>();
        var failures = new ConcurrentQueue<string>();
        var gen = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 7], Gen.Int[0, 400], Gen.Int[0, 40], Gen.Byte, Gen.OneOf(Tokens), Gen.OneOf(MediaTypes),
            (surface, kind, position, length, b, token, media) => new Mutation(surface, kind, position, length, b, token, media));

        await gen.SampleAsync(async mutation =>
        {
            var (path, seed) = surfaces[mutation.Surface];
            var content = new ByteArrayContent(mutation.Apply(seed));
            if (mutation.MediaType.Length > 0) content.Headers.ContentType = MediaTypeHeaderValue.Parse(mutation.MediaType);
            using var response = await host.Http.PostAsync(path, content);
            statuses.AddOrUpdate((mutation.Surface, (int)response.StatusCode), 1, (_, n) => n + 1);
            if ((int)response.StatusCode >= 500) failures.Enqueue($"{(int)response.StatusCode} for {mutation}: {await response.Content.ReadAsStringAsync()}");
        }, iter: Mutations, threads: 4);

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.Equal(Mutations, statuses.Values.Sum());
        foreach (var surface in Enumerable.Range(0, 3)) // every surface both accepted and refused some
        {
            Assert.Contains(statuses.Keys, k => k.Surface == surface && k.Status == 200);
            Assert.Contains(statuses.Keys, k => k.Surface == surface && k.Status is >= 400 and < 500);
        }
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/healthz")).StatusCode);

        var metrics = await host.MetricsAsync();
        foreach (var stream in new[] { "events", "labels" })
        {
            var filter = $"stream=\"{stream}\"";
            var received = MetricsText.Sum(metrics, "streaming_ingest_received_total", filter);
            var accepted = MetricsText.Sum(metrics, "streaming_ingest_accepted_total", filter);
            Assert.True(received > 0);
            Assert.Equal(0, MetricsText.Sum(metrics, "streaming_ingest_failed_total", filter));
            Assert.Equal(received, accepted + MetricsText.Sum(metrics, "streaming_ingest_rejected_total", filter));

            // What was accepted is on the topic, and every record there is one the feature pipeline can fold.
            var topic = stream == "events" ? Topics.Events : Topics.Labels;
            var records = KafkaReader.ReadAll(host.Bootstrap, topic, (int)accepted, TimeSpan.FromSeconds(30));
            Assert.Equal(accepted, records.Count);
            Assert.All(records, r => Assert.True(SourceRecord.Parse(topic, r.Message.Value, r.Message.Timestamp.UnixTimestampMs).IsValid,
                $"{topic}: {Encoding.UTF8.GetString(r.Message.Value)}"));
        }
        var predicted = statuses.Where(s => s.Key is { Surface: 2, Status: 200 }).Sum(s => s.Value);
        var logs = KafkaReader.ReadAll(host.Bootstrap, Topics.Predictions, predicted, TimeSpan.FromSeconds(30));
        Assert.Equal(predicted, logs.Count);
        Assert.All(logs, r => Assert.NotNull(LoggedPrediction.Read(r.Message.Value, r.Message.Timestamp.UnixTimestampMs, out _)));
    }
}
