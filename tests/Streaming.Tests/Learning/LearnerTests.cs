using Streaming.Contracts;
using Streaming.Learning;
using Streaming.Learning.Hashing;
using Streaming.Learning.Validation;

namespace Streaming.Tests.Learning;

public sealed class LearnerTests
{
    public static TheoryData<string> Optimizers() => ["sgd", "adagrad", "ftrl", "normalized"];

    private static LearnerSpec Spec(string optimizer, string loss = "logistic") => new()
    {
        Optimizer = optimizer,
        Loss = loss,
        Bits = 16,
        LearningRate = optimizer == "sgd" ? 0.2 : 0.1,
        FtrlAlpha = 0.2,
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Every_optimizer_learns_the_synthetic_classification(string optimizer)
    {
        var model = new OnlineModel(Spec(optimizer), metricsWindow: 5_000);
        foreach (var example in Synthetic.Classification(40_000)) Assert.True(model.Process(example).Learned);
        var metrics = model.Metrics.Snapshot();
        Assert.Equal(40_000, metrics.Examples);
        // The Bayes-optimal model scores about 0.80 accuracy / 0.88 AUC here; a constant one 0.5 AUC.
        Assert.True(metrics.WindowAccuracy > 0.74, $"window accuracy {metrics.WindowAccuracy}");
        Assert.True(metrics.WindowAuc > 0.82, $"window AUC {metrics.WindowAuc}");
        Assert.True(metrics.WindowMeanLoss < 0.55, $"window log loss {metrics.WindowMeanLoss}");
    }

    [Theory]
    [InlineData("squared", "adagrad")]
    [InlineData("huber", "normalized")]
    [InlineData("absolute", "adagrad")]
    public void Regression_losses_recover_a_linear_function(string loss, string optimizer)
    {
        var model = new OnlineModel(Spec(optimizer, loss) with { LearningRate = 0.5 });
        foreach (var example in Synthetic.Regression(30_000)) model.Process(example);
        var metrics = model.Metrics.Snapshot();
        Assert.True(metrics.WindowMae < 0.1, $"window MAE {metrics.WindowMae}");
        var probe = new SparseVector();
        model.Learner.Hasher.Hash(new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
        {
            ["num"] = new Dictionary<string, FieldValue> { ["a"] = 0.5, ["b"] = -0.5 },
        }, probe);
        Assert.InRange(model.Learner.Predict(probe), 3.4, 3.6); // 3·0.5 − 2·(−0.5) + 1
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void The_same_examples_in_the_same_order_give_the_same_weights_bit_for_bit(string optimizer)
    {
        var examples = Synthetic.Classification(5_000, seed: 21);
        var first = new OnlineModel(Spec(optimizer));
        var second = new OnlineModel(Spec(optimizer));
        foreach (var example in examples) first.Process(example);
        foreach (var example in examples) second.Process(example);
        Assert.True(first.Learner.Weights.SequenceEqual(second.Learner.Weights));
        Assert.Contains(first.Learner.Weights.ToArray(), w => w != 0);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Saved_state_resumes_exactly(string optimizer)
    {
        var examples = Synthetic.Classification(6_000, seed: 5);
        var uninterrupted = new OnlineModel(Spec(optimizer));
        foreach (var example in examples) uninterrupted.Process(example);

        var before = new OnlineModel(Spec(optimizer));
        foreach (var example in examples.Take(2_500)) before.Process(example);
        var resumed = new OnlineModel(Spec(optimizer));
        resumed.LoadState(before.SaveState());
        foreach (var example in examples.Skip(2_500)) resumed.Process(example);

        Assert.True(uninterrupted.Learner.Weights.SequenceEqual(resumed.Learner.Weights));
        Assert.Equal(uninterrupted.Metrics.Snapshot(), resumed.Metrics.Snapshot());
    }

    [Fact]
    public void Ftrl_with_l1_sets_useless_weights_to_exactly_zero()
    {
        var model = new OnlineModel(Spec("ftrl") with { L1 = 2.0, L2 = 1.0 });
        foreach (var example in Synthetic.Classification(20_000, seed: 9)) model.Process(example);
        var z = model.Learner.Optimizer.StateArrays[0];
        var weights = model.Learner.Weights;
        var touched = 0;
        var zeros = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            if (model.Learner.Optimizer.StateArrays[1][i] == 0) continue; // never seen
            touched++;
            if (weights[i] == 0f) zeros++;
            if (Math.Abs(z[i]) <= 2.0) Assert.Equal(0f, weights[i]); // exactly, not merely small
        }
        // The 30 noise features carry almost no gradient: they must all be exact zeros.
        Assert.True(zeros >= 30, $"{zeros} exact zeros among {touched} touched weights");
        Assert.True(model.Metrics.Snapshot().WindowAuc > 0.8);
    }

    [Fact]
    public void Bad_examples_are_rejected_with_a_reason_and_leave_the_weights_unchanged()
    {
        var model = new OnlineModel(Spec("adagrad") with { TargetThreshold = null, MaxAbsFeature = 1000 });
        foreach (var example in Synthetic.Classification(500)) model.Process(example);
        var weights = model.Learner.Weights.ToArray();
        var metrics = model.Metrics.Snapshot();
        var good = Synthetic.Classification(1, seed: 99)[0];
        var features = good.Features;
        var bad = new (TrainingExample Example, string Reason)[]
        {
            (good with { Label = null }, ExampleValidator.MissingLabel),
            (good with { Label = double.NaN }, ExampleValidator.NonFiniteLabel),
            (good with { Label = 0.5 }, ExampleValidator.UnknownLabel),
            (good with { Label = 7 }, ExampleValidator.UnknownLabel),
            (good with { Features = new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>() }, ExampleValidator.MissingFeatures),
            (good with { Features = With(features, "x", double.PositiveInfinity) }, ExampleValidator.NonFiniteFeature),
            (good with { Features = With(features, "x", double.NaN) }, ExampleValidator.NonFiniteFeature),
            (good with { Features = With(features, "x", 1e9) }, ExampleValidator.FeatureOutOfRange),
        };
        foreach (var (example, reason) in bad)
        {
            var outcome = model.Process(example);
            Assert.False(outcome.Learned);
            Assert.Equal(reason, outcome.Reason);
        }
        Assert.True(weights.AsSpan().SequenceEqual(model.Learner.Weights));
        Assert.Equal(metrics, model.Metrics.Snapshot());
    }

    [Fact]
    public void A_threshold_target_turns_delay_minutes_into_late_or_not()
    {
        var model = new OnlineModel(Spec("ftrl") with { TargetThreshold = 15 });
        var example = Synthetic.Classification(1)[0];
        Assert.Equal(1, model.Process(example with { Label = 16 }).Target);
        Assert.Equal(0, model.Process(example with { Label = 15 }).Target);
        Assert.Equal(0, model.Process(example with { Label = -4 }).Target);
    }

    private static Dictionary<string, IReadOnlyDictionary<string, FieldValue>> With(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> features, string name, double value) =>
        features.ToDictionary(p => p.Key, p => p.Key == "num"
            ? new Dictionary<string, FieldValue> { [name] = value }
            : p.Value);
}
