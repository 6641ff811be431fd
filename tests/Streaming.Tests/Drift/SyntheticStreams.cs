using Streaming.Learning;
using Streaming.Learning.Hashing;

namespace Streaming.Tests.Drift;

/// <summary>
/// Classic drift benchmarks with known change points, and the progressive loss of our own learner on them
/// (predict, then learn: what the learner service watches).
/// </summary>
public static class SyntheticStreams
{
    /// <summary>
    /// SEA concepts (Street and Kim, 2001): three features uniform in [0, 10], the class is x1 + x2 ≤ θ (x3 is
    /// noise), with <paramref name="noise"/> of labels flipped; θ takes the next value of <paramref name="thetas"/>
    /// every <paramref name="conceptLength"/> examples (abrupt drift).
    /// </summary>
    public static IEnumerable<(double[] X, double Y)> Sea(double[] thetas, int conceptLength, double noise = 0.1, int seed = 1)
    {
        var random = new Random(seed);
        foreach (var theta in thetas)
        {
            for (var i = 0; i < conceptLength; i++)
            {
                var x = new[] { random.NextDouble() * 10, random.NextDouble() * 10, random.NextDouble() * 10 };
                var y = x[0] + x[1] <= theta ? 1.0 : 0.0;
                if (random.NextDouble() < noise) y = 1 - y;
                yield return (x, y);
            }
        }
    }

    /// <summary>
    /// A hyperplane in [0, 1]^d (Hulten et al., 2001): the class is Σ wᵢxᵢ ≥ ½ Σ wᵢ. The weights rotate slowly
    /// all along (<paramref name="driftPerExample"/>, gradual drift a learner can follow) and jump to new random
    /// weights at each of <paramref name="changesAt"/> (the known change points).
    /// </summary>
    public static IEnumerable<(double[] X, double Y)> RotatingHyperplane(int dimensions, int length, IReadOnlyCollection<int> changesAt, double driftPerExample = 1e-5, double noise = 0.05, int seed = 2)
    {
        var random = new Random(seed);
        var weights = Enumerable.Range(0, dimensions).Select(_ => random.NextDouble()).ToArray();
        var directions = Enumerable.Range(0, dimensions).Select(_ => random.Next(2) == 0 ? -1.0 : 1.0).ToArray();
        for (var t = 0; t < length; t++)
        {
            if (changesAt.Contains(t)) weights = Enumerable.Range(0, dimensions).Select(_ => random.NextDouble()).ToArray();
            var x = Enumerable.Range(0, dimensions).Select(_ => random.NextDouble()).ToArray();
            var y = x.Zip(weights, (a, w) => a * w).Sum() >= weights.Sum() / 2 ? 1.0 : 0.0;
            if (random.NextDouble() < noise) y = 1 - y;
            yield return (x, y);
            for (var i = 0; i < dimensions; i++)
            {
                weights[i] = Math.Clamp(weights[i] + directions[i] * driftPerExample, 0, 1);
                if (weights[i] is 0 or 1) directions[i] = -directions[i];
            }
        }
    }

    /// <summary>
    /// Abrupt changes between unrelated concepts: <paramref name="concepts"/> hyperplanes through the centre of [0, 1]^d
    /// with weights uniform in [−1, 1] (the class is Σ wᵢ(xᵢ − ½) ≥ 0, <paramref name="noise"/> of labels flipped), each
    /// for <paramref name="conceptLength"/> examples. Unlike a jump of the rotating hyperplane (all weights positive, so
    /// much of the space keeps its class), each change moves about half the space.
    /// </summary>
    public static IEnumerable<(double[] X, double Y)> AbruptHyperplanes(int dimensions, int conceptLength, int concepts, double noise = 0.05, int seed = 3)
    {
        var random = new Random(seed);
        for (var c = 0; c < concepts; c++)
        {
            var weights = Enumerable.Range(0, dimensions).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            for (var t = 0; t < conceptLength; t++)
            {
                var x = Enumerable.Range(0, dimensions).Select(_ => random.NextDouble()).ToArray();
                var y = x.Zip(weights, (a, w) => w * (a - 0.5)).Sum() >= 0 ? 1.0 : 0.0;
                if (random.NextDouble() < noise) y = 1 - y;
                yield return (x, y);
            }
        }
    }

    /// <summary>The learner's per-example log loss, predicted before learning, over a numeric stream.</summary>
    public static IEnumerable<double> ProgressiveLoss(IEnumerable<(double[] X, double Y)> stream, double learningRate = 0.1) => Loss(stream, learnFor: int.MaxValue, learningRate);

    /// <summary>
    /// The log loss of a model that learns from the first <paramref name="learnFor"/> examples and is then frozen,
    /// as a served version is: its loss rises when the concept changes and stays up.
    /// </summary>
    public static IEnumerable<double> FrozenLoss(IEnumerable<(double[] X, double Y)> stream, int learnFor) => Loss(stream, learnFor);

    /// <summary>
    /// The 0/1 error of a served classifier that fits SEA's concept θ exactly (x1 + x2 ≤ θ): its error is the
    /// label noise until the concept moves, then the noise plus the share of the square that flipped.
    /// </summary>
    public static IEnumerable<double> SeaServedError(IEnumerable<(double[] X, double Y)> stream, double theta) =>
        stream.Select(e => (e.X[0] + e.X[1] <= theta ? 1.0 : 0.0) == e.Y ? 0.0 : 1.0);

    private static IEnumerable<double> Loss(IEnumerable<(double[] X, double Y)> stream, int learnFor, double learningRate = 0.1)
    {
        var learner = new LinearLearner(new LearnerSpec { Bits = 10, Optimizer = "adagrad", LearningRate = learningRate });
        var row = new SparseVector();
        foreach (var (x, y) in stream)
        {
            row.Clear();
            row.Add(learner.Hasher.BiasSlot, 1f);
            for (var i = 0; i < x.Length; i++) row.Add(i, (float)x[i]);
            yield return learnFor-- > 0 ? learner.Learn(row, y).Loss : learner.Loss.Loss(learner.Margin(row), y);
        }
    }
}
