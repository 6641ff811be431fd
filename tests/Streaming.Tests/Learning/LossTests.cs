using Streaming.Learning;
using Streaming.Learning.Hashing;
using Streaming.Learning.Losses;

namespace Streaming.Tests.Learning;

public sealed class LossTests
{
    public static TheoryData<string> AllLosses() => ["logistic", "squared", "absolute", "huber"];

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void Gradient_in_the_margin_matches_finite_differences(string name)
    {
        var loss = Losses.Create(name, huberDelta: 0.7);
        const double h = 1e-6;
        foreach (var label in loss.IsClassification ? new[] { 0.0, 1.0 } : [-2.0, 0.0, 3.5])
        {
            foreach (var margin in new[] { -4.0, -1.3, -0.2, 0.45, 1.9, 6.0 })
            {
                if (!loss.IsClassification && Math.Abs(margin - label) < 1e-3) continue; // absolute has a kink there
                var numeric = (loss.Loss(margin + h, label) - loss.Loss(margin - h, label)) / (2 * h);
                Assert.Equal(numeric, loss.Gradient(margin, label), 5);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void The_fused_evaluation_the_learning_step_uses_equals_the_separate_functions(string name)
    {
        var loss = Losses.Create(name, huberDelta: 0.7);
        foreach (var label in loss.IsClassification ? new[] { 0.0, 1.0 } : [-2.0, 0.0, 3.5])
        {
            foreach (var margin in new[] { -800.0, -4.0, -0.2, 0.0, 0.45, 6.0, 800.0 })
            {
                var point = loss.Evaluate(margin, label);
                Assert.Equal(loss.Predict(margin), point.Prediction);
                Assert.Equal(loss.Gradient(margin, label), point.Gradient);
                Assert.Equal(loss.Loss(margin, label), point.Loss);
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void Gradient_in_each_weight_matches_finite_differences_through_the_model(string name)
    {
        // dL/dw_i = dL/dm · x_i: checked by perturbing each weight of a real model.
        var learner = new LinearLearner(new LearnerSpec { Loss = name, Optimizer = "sgd", Bits = 8, HuberDelta = 0.7 });
        var x = new SparseVector();
        learner.Hasher.Hash(Synthetic.Regression(1)[0].Features, x);
        var weights = learner.Optimizer.Weights;
        var random = new Random(3);
        for (var i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() - 0.5);
        var label = learner.Loss.IsClassification ? 1.0 : 2.5;
        var gradient = learner.Loss.Gradient(learner.Margin(x), label);
        for (var k = 0; k < x.Count; k++)
        {
            var i = x.Indices[k];
            var saved = weights[i];
            const float h = 1e-3f;
            weights[i] = saved + h;
            var up = learner.Loss.Loss(learner.Margin(x), label);
            weights[i] = saved - h;
            var down = learner.Loss.Loss(learner.Margin(x), label);
            weights[i] = saved;
            Assert.Equal((up - down) / (2 * h), gradient * x.Values[k], 3);
        }
    }

    [Fact]
    public void Logistic_loss_stays_finite_at_extreme_margins()
    {
        var loss = new LogisticLoss();
        Assert.Equal(0, loss.Loss(800, 1), 10);
        Assert.Equal(800, loss.Loss(800, 0), 6);
        Assert.Equal(1, loss.Predict(800));
        Assert.Equal(0, loss.Predict(-800));
    }
}
