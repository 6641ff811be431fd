using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Host.Web;
using Streaming.Learning;
using Streaming.Learning.Validation;
using Streaming.Models.Store;
using Streaming.OnlineLearner;
using Streaming.Testing;
using Streaming.Tests.Support;

namespace Streaming.Tests.Learning;

/// <summary>The learner loop in the real host, on embedded Kafka and Garnet.</summary>
public sealed class LearnerServiceTests
{
    private static readonly string[] Settings =
    [
        "--Learner:Model=test-model", "--Learner:Spec:Bits=16", "--Learner:SnapshotEveryExamples=1000",
        "--Learner:RetainSnapshots=3", "--Learner:BatchSize=250",
    ];

    [Fact]
    public async Task Learner_also_runs_a_second_spec_over_the_same_examples_as_a_model_of_its_own()
    {
        var examples = await TrainingExampleStream.FlightsAsync(2_000);
        await using var host = await RunningHost.StartAsync(HostParts.Learner,
            [.. Settings, "--Learner:SnapshotEvery=00:00:01", "--Learner:Also:0:Model=test-model-ftrl", "--Learner:Also:0:Spec:Optimizer=ftrl", "--Learner:Also:0:Spec:Bits=16"]);
        TrainingExamplePublisher.Publish(host.Bootstrap, examples.Select(TrainingExampleStream.Json).ToList());
        var store = host.Services.GetRequiredService<IModelStore>();
        async Task<StoredSnapshot?> Learned(string model) =>
            await store.LatestAsync(model, CancellationToken.None) is { Manifest.Metrics.Examples: var n } latest && n == examples.Count ? latest : null;
        await Eventually.TrueAsync(async () => await Learned("test-model") is not null && await Learned("test-model-ftrl") is not null,
            TimeSpan.FromMinutes(1), "both models learned every example");

        var sgd = (await Learned("test-model"))!;
        var ftrl = (await Learned("test-model-ftrl"))!;
        Assert.Equal(("logistic/sgd", "logistic/ftrl"), (sgd.Manifest.Algorithm, ftrl.Manifest.Algorithm));
        Assert.NotEqual(sgd.Manifest.Metrics.MeanLoss, ftrl.Manifest.Metrics.MeanLoss);
        // The same examples, learned as the second spec would learn them alone.
        var reference = new OnlineModel(host.Services.GetRequiredService<LearnerOptions>().Spec with { Optimizer = "ftrl" });
        foreach (var example in examples) reference.Process(example);
        Assert.Equal(reference.Metrics.Snapshot(), ftrl.Manifest.Metrics);
    }

    [Fact]
    public async Task Learns_every_good_example_once_dead_letters_bad_ones_and_snapshots_with_offsets()
    {
        var examples = await TrainingExampleStream.FlightsAsync(4_000);
        var bad = new (string Json, string Reason)[]
        {
            ("{\"id\":\"x\",\"time\":", "malformed_example"),
            ("""{"id":"b1","time":"2001-01-01T00:00:00Z","features":{"trip":{"log_distance":5}}}""", ExampleValidator.MissingLabel),
            ("""{"id":"b2","time":"2001-01-01T00:00:00Z","label":"NaN","features":{"trip":{"log_distance":5}}}""", ExampleValidator.NonFiniteLabel),
            ("""{"id":"b3","time":"2001-01-01T00:00:00Z","label":3,"features":{}}""", ExampleValidator.MissingFeatures),
            ("""{"id":"b4","time":"2001-01-01T00:00:00Z","label":3,"features":{"trip":{"log_distance":1e12}}}""", ExampleValidator.FeatureOutOfRange),
        };
        var records = examples.Select(TrainingExampleStream.Json).ToList();
        for (var i = 0; i < bad.Length; i++) records.Insert(500 * (i + 1), Encoding.UTF8.GetBytes(bad[i].Json));
        // Not JSON at all: a tombstone, an empty value, invalid UTF-8. Each is dead-lettered, and the loop goes on.
        byte[][] raw = [null!, [], [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D]];
        for (var i = 0; i < raw.Length; i++) records.Insert(3_100 + 100 * i, raw[i]);

        await using var host = await RunningHost.StartAsync(HostParts.Learner, Settings);
        TrainingExamplePublisher.Publish(host.Bootstrap, records);
        await host.LearnThenStopAsync(examples.Count);

        var metrics = await host.MetricsAsync();
        Assert.Equal(examples.Count, MetricsText.Sum(metrics, "streaming_learner_examples_total"));
        Assert.Equal(bad.Length + raw.Length, MetricsText.Sum(metrics, "streaming_learner_skipped_total"));

        var store = host.Services.GetRequiredService<IModelStore>();
        var latest = (await store.LatestAsync("test-model", CancellationToken.None))!;
        Assert.Equal(records.Count, latest.Manifest.Offsets[0]);
        Assert.Equal(examples.Count, latest.Manifest.Metrics.Examples);
        Assert.Equal("logistic/sgd", latest.Manifest.Algorithm);
        Assert.True(latest.Manifest.Version >= 4);
        Assert.Equal(latest.Manifest.Version - 1, latest.Manifest.ParentVersion);
        Assert.Equal(examples.Max(e => e.Time), latest.Manifest.FeatureWatermark);
        Assert.Equal(3, (await store.VersionsAsync("test-model", CancellationToken.None)).Count); // pruned to RetainSnapshots

        // Kafka in between changes nothing: the same weights as learning the examples in memory.
        var reference = new OnlineModel(host.Services.GetRequiredService<LearnerOptions>().Spec);
        foreach (var example in examples) reference.Process(example);
        var stored = new OnlineModel(reference.Spec);
        stored.LoadState(latest.Payload);
        Assert.True(reference.Learner.Weights.SequenceEqual(stored.Learner.Weights));
        Assert.Equal(reference.Metrics.Snapshot(), latest.Manifest.Metrics);

        var deadLetters = KafkaReader.ReadAll(host.Bootstrap, Topics.DeadLetter, bad.Length + raw.Length, TimeSpan.FromSeconds(20));
        Assert.Equal(bad.Select(b => b.Reason).Concat(raw.Select(_ => "malformed_example")).Order(), deadLetters.Select(r => r.Header(DeadLetterHeaders.Reason)).Order());
        Assert.All(deadLetters, r => Assert.Equal("learner", r.Header(DeadLetterHeaders.Source)));
        var announcements = KafkaReader.ReadAll(host.Bootstrap, Topics.ModelSnapshots, 4, TimeSpan.FromSeconds(20));
        Assert.Equal(latest.Manifest.Version, announcements.Count);
        Assert.All(announcements, a => Assert.Equal("test-model", Encoding.UTF8.GetString(a.Message.Key)));
    }
}
