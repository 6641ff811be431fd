using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.FeatureStore.Online;
using Streaming.Flights;
using Streaming.Host.Web;
using Streaming.Learning;
using Streaming.Models.Store;
using Streaming.OnlineLearner;
using Streaming.Platform.Kafka;
using Streaming.Serving.Models;
using Streaming.Serving.Status;
using Streaming.Tests.Support;

namespace Streaming.Tests.Faults;

/// <summary>
/// Every kind of bad record on every consumed topic, written straight to Kafka (past the ingest API's checks) between
/// two valid records: each bad one is dead-lettered with a reason and counted, the valid ones on either side are
/// processed, and every part stays alive and ready. (The lake archives every record as it came: LakeSinkTests.)
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PoisonMatrixTests
{
    private const string Probe = "poison-probe"; // a served model of the test's own, so the learner's versions do not interfere

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly DateTimeOffset[] BadTimes =
        [new(1969, 7, 20, 20, 17, 0, TimeSpan.Zero), DateTimeOffset.MinValue.AddDays(1), new(9999, 12, 30, 0, 0, 0, TimeSpan.Zero)];

    /// <summary>A topic's record: valid for (n, time, number) as given, or made bad by a bad time or number.</summary>
    private delegate byte[] RecordOf(int n, DateTimeOffset time, string number);

    /// <summary>Every kind of bad record, from a topic's valid one.</summary>
    private static IEnumerable<(string Kind, byte[]? Value)> BadKinds(RecordOf valid)
    {
        yield return ("tombstone", null);
        yield return ("empty", []);
        var whole = valid(90, Now, "1");
        yield return ("truncated", whole[..(whole.Length / 2)]);
        yield return ("invalid_json", "{\"id\": nope}"u8.ToArray());
        // Bytes that are not UTF-8 at the start of the first string value, which every reader reads (an id, a model name, a key).
        var firstString = whole.AsSpan().IndexOf("\":\""u8) + 3;
        yield return ("invalid_utf8", [.. whole[..firstString], 0xFF, 0xFE, 0xC3, .. whole[firstString..]]);
        yield return ("wrong_shape", "[1,2,3]"u8.ToArray());
        yield return ("oversized", Encoding.UTF8.GetBytes($"{{\"id\":\"{new string('x', 600_000)}\"}}"));
        for (var i = 0; i < BadTimes.Length; i++) yield return ($"time_{i}", valid(91 + i, BadTimes[i], "1"));
        yield return ("huge_number", valid(95, Now, "1e300"));
        yield return ("overflowing_number", valid(96, Now, "1e999"));
    }

    [Fact]
    public async Task Every_bad_record_on_every_topic_is_dead_lettered_with_its_reason_and_the_records_around_it_are_processed()
    {
        await using var host = await RunningHost.StartAsync(HostParts.All, "--Serving:Models:0=" + Probe, "--Learner:SnapshotEvery=00:00:01");
        using var producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig { BootstrapServers = host.Bootstrap }).Build();
        var store = host.Services.GetRequiredService<IModelStore>();
        var examples = await TrainingExampleStream.FlightsAsync(2);
        var probe = SnapshotFactory.Train(examples);

        var topics = new (string Topic, RecordOf Valid, Func<int, string?> Key)[]
        {
            (Topics.Events, Event, _ => "PMX"),
            (Topics.Labels, EventLabel, _ => "PMX"),
            (Topics.Predictions, Prediction, n => $"pm-p-{n}"),
            (Topics.TrainingExamples, (n, time, number) => Example(examples[0], n, time, number), n => $"pm-x-{n}"),
            (Topics.ModelSnapshots, (n, time, number) => Manifest(probe, n, time, number), _ => Probe),
            (Topics.DriftAlerts, Alert, n => $"pm-a-{n}"),
        };
        var bad = new Dictionary<string, List<(string Kind, byte[]? Value)>>();
        foreach (var (topic, valid, key) in topics)
        {
            bad[topic] = [.. BadKinds(valid)];
            await Valid(topic, 1);
            foreach (var (kind, value) in bad[topic]) await producer.ProduceAsync(topic, new Message<string?, byte[]> { Key = key(0), Value = value! });
            await Valid(topic, 2);

            async Task Valid(string topicName, int n)
            {
                if (topicName == Topics.ModelSnapshots)
                {
                    await SnapshotFactory.PublishAsync(store, producer, probe, Probe, n); // stored and announced, as the learner does
                    return;
                }
                await producer.ProduceAsync(topicName, new Message<string?, byte[]> { Key = key(n), Value = valid(n, Now, "1") });
                // A logged prediction is valid data when its label comes: the example is what proves it was read.
                if (topicName == Topics.Predictions)
                    await producer.ProduceAsync(Topics.Labels, new Message<string?, byte[]> { Key = key(n), Value = PredictionLabel(n) });
            }
        }

        // Each bad record dead-lettered once, under its topic, with a reason.
        var expected = bad.Values.Sum(list => list.Count);
        var deadLetters = KafkaReader.ReadAll(host.Bootstrap, Topics.DeadLetter, expected, TimeSpan.FromMinutes(2), quietAfter: TimeSpan.FromSeconds(3));
        foreach (var (topic, kinds) in bad)
        {
            var mine = deadLetters.Where(d => d.Header(DeadLetterHeaders.Stream) == topic).ToList();
            Assert.True(kinds.Count == mine.Count,
                $"{topic}: {mine.Count} dead letters for {kinds.Count} bad records: {string.Join(", ", mine.Select(d => d.Header(DeadLetterHeaders.Reason)))}");
            Assert.All(mine, d => Assert.NotEmpty(d.Header(DeadLetterHeaders.Reason)));
            foreach (var (kind, value) in kinds.Where(k => k.Value is { Length: > 0 }))
                Assert.True(mine.Any(d => d.Message.Value.AsSpan().SequenceEqual(DeadLetter.Value(value))), $"{topic}: no dead letter holds the {kind} record");
            var reasons = mine.Select(d => d.Header(DeadLetterHeaders.Reason)).ToHashSet();
            if (topic != Topics.Predictions) Assert.Contains(RecordBounds.TimeOutOfRange, reasons);
            Assert.Contains(RecordBounds.Oversized, reasons);
        }

        // And counted, by each part that read them.
        var metrics = await host.MetricsAsync();
        foreach (var topic in new[] { Topics.Events, Topics.Labels, Topics.Predictions })
            Assert.Equal(bad[topic].Count, MetricsText.Sum(metrics, "streaming_features_dead_lettered_total", $"stream=\"{topic}\""));
        Assert.Equal(bad[Topics.TrainingExamples].Count, MetricsText.Sum(metrics, "streaming_learner_skipped_total"));
        foreach (var topic in new[] { Topics.ModelSnapshots, Topics.DriftAlerts })
            Assert.Equal(bad[topic].Count, MetricsText.Sum(metrics, "streaming_serving_unreadable_records_total", $"topic=\"{topic}\""));

        // The valid records on either side were all processed.
        var reader = host.Services.GetRequiredService<OnlineFeatureReader>();
        var windows = await reader.ReadWindowsAsync([(FlightFeatureViews.Set["origin_departures_1h"], "PMX"), (FlightFeatureViews.Set["origin_landed_delay_2h"], "PMX")]);
        Assert.Equal(2, windows[0]!.Aggregate.Count);
        Assert.Equal(2, windows[1]!.Aggregate.Count);
        var learner = host.Services.GetRequiredService<LearnerService>();
        await Eventually.TrueAsync(() => learner.Progress.Examples == 4, TimeSpan.FromMinutes(1), "2 examples from the topic and 2 joined from logged predictions learned");
        var registry = host.Services.GetRequiredService<ModelRegistry>();
        await Eventually.TrueAsync(() => registry.Peek(Probe)?.Version == 2, TimeSpan.FromSeconds(30), "the announcement after the bad ones followed");
        var board = host.Services.GetRequiredService<DriftAlertBoard>();
        Assert.Equal(["pm-a-1", "pm-a-2"], board.Open.Select(a => a.Key).Order());

        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/readyz")).StatusCode);
    }

    private static string Iso(DateTimeOffset time) => time.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] Event(int n, DateTimeOffset time, string number) => Encoding.UTF8.GetBytes(
        $$$"""{"id":"pm-e-{{{n}}}","type":"flight.departure","time":"{{{Iso(time)}}}","keys":{"origin":"PMX","destination":"PMY","route":"PMX-PMY"},"fields":{"distance":{{{number}}}}}""");

    private static byte[] EventLabel(int n, DateTimeOffset time, string number) => Encoding.UTF8.GetBytes(
        $$$"""{"id":"pm-l-{{{n}}}","name":"departure_delay_minutes","value":{{{number}}},"time":"{{{Iso(time)}}}","eventId":"pm-e-{{{n}}}","keys":{"origin":"PMX","destination":"PMY","route":"PMX-PMY"}}""");

    private static byte[] Prediction(int n, DateTimeOffset time, string number) => Encoding.UTF8.GetBytes(
        $$$"""{"predictionId":"pm-p-{{{n}}}","model":"flights-delay","modelVersion":"1","time":"{{{Iso(time)}}}","keys":{"origin":"PMZ"},"features":{"request":{"distance":100}},"score":{{{number}}}}""");

    private static byte[] PredictionLabel(int n) => Encoding.UTF8.GetBytes(
        $$$"""{"id":"pm-pl-{{{n}}}","name":"departure_delay_minutes","value":30,"time":"{{{Iso(Now)}}}","predictionId":"pm-p-{{{n}}}"}""");

    private static byte[] Example(TrainingExample like, int n, DateTimeOffset time, string number)
    {
        var json = JsonSerializer.Serialize(like with
        {
            Id = $"pm-x-{n}",
            Time = time,
            Features = new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
            {
                ["request"] = new Dictionary<string, FieldValue> { ["distance"] = FieldValue.Of(100) },
            }
        }, ContractsJsonContext.Default.TrainingExample);
        return Encoding.UTF8.GetBytes(json.Replace("\"distance\":100", $"\"distance\":{number}", StringComparison.Ordinal));
    }

    private static byte[] Manifest(OnlineModel model, int n, DateTimeOffset time, string number)
    {
        var manifest = OnlineSnapshot.Of(model, Probe, 1, time, new Dictionary<int, long>()).Manifest with { Version = 50 + n };
        var json = JsonSerializer.Serialize(manifest, ContractsJsonContext.Default.SnapshotManifest);
        return Encoding.UTF8.GetBytes(number == "1" ? json : json.Replace($"\"version\":{50 + n}", $"\"version\":{number}", StringComparison.Ordinal));
    }

    private static byte[] Alert(int n, DateTimeOffset time, string number) => JsonSerializer.SerializeToUtf8Bytes(
        new DriftAlert($"pm-a-{n}", DriftAlert.Open, "concept", "flights-delay", 1, "loss", "adwin", 0.5, 0.1, "recent", time, time, "look"),
        ContractsJsonContext.Default.DriftAlert) is var bytes && number == "1" ? bytes
        : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\"value\":0.5", $"\"value\":{number}", StringComparison.Ordinal));
}
