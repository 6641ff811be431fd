using Streaming.Contracts;
using Streaming.Learning.Hashing;
using Streaming.Learning.Validation;

namespace Streaming.Tests.Learning;

public sealed class HasherAndMetricsTests
{
    private static Dictionary<string, IReadOnlyDictionary<string, FieldValue>> Features(string origin, double distance) => new()
    {
        ["origin"] = new Dictionary<string, FieldValue> { ["airport"] = origin },
        ["trip"] = new Dictionary<string, FieldValue> { ["log_distance"] = distance, ["overnight"] = false },
    };

    [Fact]
    public void Hashing_is_stable_categorical_values_get_their_own_slot_and_the_bias_is_last()
    {
        var hasher = new FeatureHasher(18);
        SparseVector a = new(), b = new(), c = new();
        hasher.Hash(Features("SFO", 6.2), a);
        new FeatureHasher(18).Hash(Features("SFO", 6.2), b);
        hasher.Hash(Features("LAX", 6.2), c);
        Assert.Equal(a.Indices.ToArray(), b.Indices.ToArray());
        Assert.Equal(hasher.BiasSlot, a.Indices[0]);
        Assert.Equal(3, a.Count); // bias, origin=SFO (1.0), log_distance (6.2); false booleans add nothing
        Assert.Equal([1f, 1f, 6.2f], a.Values.ToArray());
        Assert.NotEqual(a.Indices[1], c.Indices[1]);
        Assert.Equal(a.Indices[2], c.Indices[2]);
        Assert.All(a.Indices.ToArray(), i => Assert.InRange(i, 0, hasher.Slots - 1));
    }

    [Fact]
    public void Quadratic_interactions_cross_every_feature_pair_of_two_namespaces()
    {
        var plain = new FeatureHasher(18);
        var crossed = new FeatureHasher(18, [("origin", "trip")]);
        SparseVector x = new(), y = new();
        plain.Hash(Features("SFO", 6.2), x);
        crossed.Hash(Features("SFO", 6.2), y);
        Assert.Equal(x.Count + 1, y.Count); // origin(1) × trip(2), less the pair with the false (0) boolean
        Assert.Equal(6.2f, y.Values[x.Count]);
        Assert.NotEqual(plain.SpecHash(), crossed.SpecHash());
    }

    [Fact]
    public void Binned_numbers_become_categories_of_their_signed_log_in_quarter_steps()
    {
        var hasher = new FeatureHasher(18, numbers: Streaming.Learning.LearnerSpec.BinnedNumbers);
        SparseVector near = new(), same = new(), far = new(), negative = new();
        hasher.Hash(Features("SFO", 20), near); // ln 21 = 3.04: bin 12
        hasher.Hash(Features("SFO", 21), same); // ln 22 = 3.09: bin 12
        hasher.Hash(Features("SFO", 40), far); // ln 41 = 3.71: bin 14
        hasher.Hash(Features("SFO", -20), negative); // bin −13
        Assert.Equal([1f, 1f, 1f], near.Values.ToArray()); // a bin is a category: value 1, whatever the number's size
        Assert.Equal(near.Indices.ToArray(), same.Indices.ToArray());
        Assert.NotEqual(near.Indices[2], far.Indices[2]);
        Assert.NotEqual(near.Indices[2], negative.Indices[2]);
        Assert.NotEqual(new FeatureHasher(18, numbers: Streaming.Learning.LearnerSpec.Log1pNumbers).SpecHash(), hasher.SpecHash());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FeatureHasher(18, numbers: "buckets"));
    }

    [Fact]
    public void Progressive_metrics_compute_log_loss_accuracy_and_auc()
    {
        var metrics = new ProgressiveMetrics(classification: true, window: 4);
        var loss = new Streaming.Learning.Losses.LogisticLoss();
        (double P, double Y)[] seen = [(0.9, 1), (0.2, 0), (0.6, 1), (0.7, 0)];
        foreach (var (p, y) in seen) metrics.Add(p, y, -Math.Log(y == 1 ? p : 1 - p));
        var snapshot = metrics.Snapshot();
        Assert.Equal(4, snapshot.Examples);
        Assert.Equal(0.75, snapshot.Accuracy);
        Assert.Equal(0.75, snapshot.WindowAuc, 10); // positives {0.9,0.6} vs negatives {0.2,0.7}: 3 of 4 pairs ordered
        Assert.Equal(0.75, snapshot.Auc, 10);
        Assert.Equal(seen.Average(s => -Math.Log(s.Y == 1 ? s.P : 1 - s.P)), snapshot.MeanLoss, 12);
        Assert.True(double.IsFinite(loss.Loss(0, 1)));
    }
}
