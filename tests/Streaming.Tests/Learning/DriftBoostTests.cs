using Microsoft.Extensions.DependencyInjection;
using Streaming.Host.Web;
using Streaming.Learning;
using Streaming.Learning.Hashing;
using Streaming.Models.Store;
using Streaming.Testing;
using Streaming.Tests.Support;
using Xunit.Abstractions;

namespace Streaming.Tests.Learning;

/// <summary>The learner's optional reaction to a confirmed concept drift: a learning-rate boost that moves no weight.</summary>
public sealed class DriftBoostTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("sgd")]
    [InlineData("adagrad")]
    [InlineData("ftrl")]
    [InlineData("normalized")]
    public async Task A_boost_changes_no_prediction_and_makes_the_next_steps_larger(string optimizer)
    {
        var examples = await TrainingExampleStream.FlightsAsync(3_000);
        var spec = new LearnerSpec { Bits = 14, Optimizer = optimizer, TargetThreshold = 15, Decay = 0.01, L1 = 0.1, L2 = 0.1 };
        var trained = new OnlineModel(spec);
        foreach (var example in examples.Take(2_000)) trained.Process(example);
        OnlineModel Copy()
        {
            var copy = new OnlineModel(spec);
            copy.LoadState(trained.SaveState());
            return copy;
        }
        var (plain, boosted) = (Copy(), Copy());
        boosted.Learner.Optimizer.Boost(3);

        var row = new SparseVector();
        foreach (var example in examples.Skip(2_000).Take(200))
        {
            plain.Learner.Hasher.Hash(example.Features, row);
            Assert.Equal(plain.Learner.Predict(row), boosted.Learner.Predict(row), 6);
        }
        // The same next examples move the boosted model further.
        foreach (var example in examples.Skip(2_000).Take(50))
        {
            plain.Process(example);
            boosted.Process(example);
        }
        double Moved(OnlineModel model) => model.Learner.Weights.ToArray().Zip(trained.Learner.Weights.ToArray(), (a, b) => Math.Abs(a - b)).Sum();
        Assert.True(Moved(boosted) > 1.3 * Moved(plain), $"boosted moved {Moved(boosted):G4}, plain {Moved(plain):G4}");
    }

    [Fact]
    public async Task With_boost_on_a_confirmed_drift_the_learner_recovers_faster_than_alerting_only()
    {
        // A clear concept (segment A is late, B on time, 5 % noise) for 20,000 examples, then its opposite for 12,000:
        // by then each coordinate's FTRL rate has shrunk with 10,000 gradients, so it unlearns slowly.
        var random = new Random(11);
        var start = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var records = Enumerable.Range(0, 32_000).Select(i =>
        {
            var segment = random.Next(2) == 0 ? "A" : "B";
            var late = (segment == "A") ^ (i >= 20_000) ^ (random.NextDouble() < 0.05);
            return TrainingExampleStream.Json(new Contracts.TrainingExample($"e{i}", start.AddSeconds(i), late ? 60 : 0,
                new Dictionary<string, IReadOnlyDictionary<string, Contracts.FieldValue>> { ["segment"] = new Dictionary<string, Contracts.FieldValue> { ["id"] = segment } }));
        }).ToList();

        async Task<(double RecentLoss, double Boosts)> Run(string reaction)
        {
            await using var host = await RunningHost.StartAsync(HostParts.Learner,
                "--Learner:Model=boost-model", "--Learner:Spec:Bits=16", "--Learner:OnConceptDrift=" + reaction, "--Learner:MetricsWindow=5000",
                "--Learner:Spec:Optimizer=ftrl", "--Learner:Spec:L1=0.5", "--Learner:Spec:L2=1");
            TrainingExamplePublisher.Publish(host.Bootstrap, records);
            await host.LearnThenStopAsync(records.Count);
            var latest = (await host.Services.GetRequiredService<IModelStore>().LatestAsync("boost-model", CancellationToken.None))!;
            return (latest.Manifest.Metrics.WindowMeanLoss, MetricsText.Sum(await host.MetricsAsync(), "streaming_learner_drift_boosts_total"));
        }

        var alertOnly = await Run("alert");
        var boost = await Run("boost");
        output.WriteLine($"recent loss after the drift: boost {boost.RecentLoss:F4}, alert only {alertOnly.RecentLoss:F4}");
        Assert.Equal(0, alertOnly.Boosts);
        Assert.Equal(1, boost.Boosts);
        Assert.True(boost.RecentLoss < alertOnly.RecentLoss, $"loss over the last 5,000: boost {boost.RecentLoss:F4}, alert only {alertOnly.RecentLoss:F4}");
    }
}
