using Prometheus;
using Streaming.Federated;
using Streaming.Learning;
using Streaming.Tests.Support;

namespace Streaming.Tests.Federated;

public sealed class FederatedAveragingTests
{
    private static readonly LearnerSpec Spec = new() { Optimizer = "sgd", Bits = 10, LearningRate = 0.05, TargetThreshold = 15 };

    [Fact]
    public async Task Ten_clients_by_origin_two_sending_garbage_the_garbage_is_refused_and_counted_and_the_loss_is_near_centralized()
    {
        var examples = (await TrainingExampleStream.FlightsAsync(100_000)).OrderBy(e => e.Time).ToList();
        var split = examples.Count * 4 / 5;
        var spec = Spec with { Bits = 18, LearningRate = 0.01, Numbers = LearnerSpec.Log1pNumbers };
        var training = FederatedSimulation.SplitBy(examples.Take(split), e => e.Features["origin"]["id"].ToString(), clients: 10);
        var garbage = new HashSet<string> { "client-08", "client-09" };
        var registry = Metrics.NewCustomRegistry();

        var outcome = FederatedSimulation.Run(spec, training, examples.Skip(split).ToList(), rounds: 10, garbage, new FederatedOptions(), new FederatedMetrics(registry));

        var summary = $"federated {outcome.FederatedLoss:F4} centralized {outcome.CentralizedLoss:F4} zero {outcome.BaseLoss:F4}; " +
                      string.Join(", ", outcome.Verdicts.Select(v => $"{v.Key} {v.Value}"));
        Assert.Equal(10, outcome.Clients);
        foreach (var client in garbage)
        {
            var verdicts = outcome.VerdictsByClient[client];
            Assert.True(verdicts.Values.Sum() == 10, $"{client} sent one update a round: {summary}");
            Assert.False(verdicts.Keys.Any(v => v is UpdateVerdict.Accepted or UpdateVerdict.Clipped), $"{client}'s garbage got in: {summary}");
            Assert.True(verdicts.ContainsKey(UpdateVerdict.Outlying) && verdicts.ContainsKey(UpdateVerdict.Malformed) && verdicts.ContainsKey(UpdateVerdict.StaleBase), summary);
        }
        foreach (var client in outcome.VerdictsByClient.Keys.Except(garbage))
            Assert.True(outcome.VerdictsByClient[client].Keys.All(v => v is UpdateVerdict.Accepted or UpdateVerdict.Clipped), $"{client} honest but refused: {summary}");

        // Counted: every update received appears under exactly one verdict.
        var received = Value(registry, "streaming_federated_updates_received_total");
        Assert.Equal(20 + 8 * 10, received);
        Assert.Equal(received, Enum.GetValues<UpdateVerdict>().Sum(v => Value(registry, "streaming_federated_updates_total", v)));
        Assert.Equal(20, Value(registry, "streaming_federated_updates_total", UpdateVerdict.Outlying) + Value(registry, "streaming_federated_updates_total", UpdateVerdict.Malformed)
                         + Value(registry, "streaming_federated_updates_total", UpdateVerdict.StaleBase));

        // The stated margin: averaging over 10 rounds costs at most 0.02 of held-out log loss against one learner that saw every
        // honest example in order (measured here: about 0.01), and the model learned something (well below ln 2).
        Assert.True(outcome.FederatedLoss <= outcome.CentralizedLoss + 0.02, summary);
        Assert.True(outcome.FederatedLoss < outcome.BaseLoss - 0.05, summary);
    }

    [Fact]
    public void A_round_averages_the_deltas_weighted_by_example_count()
    {
        var server = Server(out _);
        Assert.Null(server.Submit(new ModelUpdate("a", 0, 1, [0, 1], [1f, 2f])));
        Assert.Null(server.Submit(new ModelUpdate("b", 0, 3, [1, 2], [1f, 1f])));

        var round = server.CloseRound();

        Assert.Equal(1, round.Model.Version);
        Assert.Equal(4, round.Examples);
        Assert.Equal([0.25f, 1.25f, 0.75f], round.Model.Weights[..3]);
        Assert.Same(round.Model, server.Current);
    }

    [Fact]
    public void Malformed_stale_duplicate_and_outlying_updates_are_refused_and_counted_and_received_adds_up()
    {
        var server = Server(out var registry);
        var slots = server.Current.Weights.Length;
        Assert.Equal(UpdateVerdict.Malformed, server.Submit(new ModelUpdate("nan", 0, 5, [3], [float.NaN])));
        Assert.Equal(UpdateVerdict.Malformed, server.Submit(new ModelUpdate("out-of-range", 0, 5, [slots], [1f])));
        Assert.Equal(UpdateVerdict.Malformed, server.Submit(new ModelUpdate("lengths", 0, 5, [1, 2], [1f])));
        Assert.Equal(UpdateVerdict.Malformed, server.Submit(new ModelUpdate("repeated", 0, 5, [1, 1], [1f, 1f])));
        Assert.Equal(UpdateVerdict.Malformed, server.Submit(new ModelUpdate("no-examples", 0, 0, [1], [1f])));
        Assert.Equal(UpdateVerdict.Malformed, server.Submit(new ModelUpdate(null!, 0, 5, [1], [1f])));
        Assert.Equal(UpdateVerdict.Malformed, server.Submit(new ModelUpdate("null-deltas", 0, 5, [1], null!)));
        Assert.Equal(UpdateVerdict.StaleBase, server.Submit(new ModelUpdate("stale", 7, 5, [1], [1f])));
        foreach (var honest in new[] { "h1", "h2", "h3" }) Assert.Null(server.Submit(new ModelUpdate(honest, 0, 10, [1], [0.1f])));
        Assert.Equal(UpdateVerdict.Duplicate, server.Submit(new ModelUpdate("h1", 0, 10, [1], [0.1f])));
        Assert.Null(server.Submit(new ModelUpdate("loud", 0, 10, [1], [0.3f])));
        Assert.Null(server.Submit(new ModelUpdate("huge", 0, 1000, [1], [100f])));

        var round = server.CloseRound();

        Assert.Equal(UpdateVerdict.Outlying, round.Verdicts["huge"]);
        Assert.Equal(UpdateVerdict.Clipped, round.Verdicts["loud"]);
        Assert.Equal(UpdateVerdict.Accepted, round.Verdicts["h1"]);
        // Median norm 0.1 (0.1, 0.1, 0.1, 0.3, 100 → 0.1): "loud" is clipped to 2 × 0.1, "huge" refused.
        Assert.Equal((3 * 10 * 0.1f + 10 * 0.2f) / 40, round.Model.Weights[1], 6);
        Assert.Equal(14, Value(registry, "streaming_federated_updates_received_total"));
        Assert.Equal(14, Enum.GetValues<UpdateVerdict>().Sum(v => Value(registry, "streaming_federated_updates_total", v)));
        Assert.Equal(7, Value(registry, "streaming_federated_updates_total", UpdateVerdict.Malformed));
    }

    [Fact]
    public void A_round_with_nothing_accepted_keeps_the_version_and_a_stateful_optimizer_is_refused()
    {
        var server = Server(out _);
        server.Submit(new ModelUpdate("nan", 0, 5, [3], [float.NaN]));
        Assert.Equal(0, server.CloseRound().Model.Version);

        var ftrl = Spec with { Optimizer = "ftrl" };
        var error = Assert.Throws<ArgumentException>(() => new FederatedAveragingServer(new GlobalModel(0, ftrl, new float[8]), new FederatedOptions(), new FederatedMetrics(Metrics.NewCustomRegistry())));
        Assert.Contains("sgd", error.Message);
    }

    private static FederatedAveragingServer Server(out CollectorRegistry registry)
    {
        registry = Metrics.NewCustomRegistry();
        var weights = new float[new LinearLearner(Spec).Weights.Length];
        return new FederatedAveragingServer(new GlobalModel(0, Spec, weights), new FederatedOptions(), new FederatedMetrics(registry));
    }

    private static double Value(CollectorRegistry registry, string name, UpdateVerdict? verdict = null)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var label = verdict is { } v ? $"{{verdict=\"{v.Label()}\"}}" : "";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith($"{name}{label} ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
