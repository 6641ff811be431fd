namespace Streaming.Learning.Optimizers;

/// <summary>
/// Per-coordinate update rule over a weight vector (bias included as the last slot). The margin is a
/// pure dot product over <see cref="Weights"/>, so a model predicts the same whether or not it learns.
/// Everything an update depends on is in <see cref="Weights"/>, <see cref="StateArrays"/>,
/// <see cref="Scalars"/> and <see cref="Steps"/>: saving and loading them resumes bit for bit.
/// </summary>
public abstract class Optimizer
{
    protected Optimizer(int slots, int stateArrays, int scalars = 0)
    {
        Weights = new float[slots];
        StateArrays = Enumerable.Range(0, stateArrays).Select(_ => new float[slots]).ToArray();
        Scalars = new double[scalars];
    }

    public abstract string Name { get; }
    public float[] Weights { get; }
    public float[][] StateArrays { get; }
    public double[] Scalars { get; }
    public long Steps { get; set; }

    public double Margin(ReadOnlySpan<int> indices, ReadOnlySpan<float> values)
    {
        // Two running sums halve the chain of dependent additions; the order is fixed, so results stay deterministic.
        double even = 0, odd = 0;
        var weights = Weights;
        var k = 0;
        for (; k + 1 < indices.Length; k += 2)
        {
            even += weights[indices[k]] * (double)values[k];
            odd += weights[indices[k + 1]] * (double)values[k + 1];
        }
        if (k < indices.Length) even += weights[indices[k]] * (double)values[k];
        return even + odd;
    }

    /// <summary>
    /// Raises the effective learning rate by about <paramref name="factor"/> from now on without changing any
    /// weight (predictions do not jump): the learner's reaction to a confirmed concept drift, when configured.
    /// Each optimizer forgets the part of its history that has slowed it down.
    /// </summary>
    public abstract void Boost(double factor);

    /// <summary>
    /// Divides accumulated squared gradients by factor²: for the adaptive optimizers (rate ∝ 1/√Σg²) every coordinate's
    /// rate rises by factor.
    /// </summary>
    protected static void ShrinkSquaredGradients(float[] squares, double factor)
    {
        var shrink = (float)(1 / (factor * factor));
        foreach (ref var square in squares.AsSpan()) square *= shrink;
    }

    /// <summary>One step for one example, given dLoss/dmargin at the margin it was predicted with.</summary>
    public abstract void Update(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, double gradient);

    public static Optimizer Create(LearnerSpec spec, int slots) => spec.Optimizer switch
    {
        "sgd" => new Sgd(slots, spec.LearningRate, spec.Decay, spec.Power, spec.L2),
        "adagrad" => new AdaGrad(slots, spec.LearningRate, spec.L2),
        "ftrl" => new Ftrl(slots, spec.FtrlAlpha, spec.FtrlBeta, spec.L1, spec.L2),
        "normalized" => new NormalizedAdaptive(slots, spec.LearningRate),
        _ => throw new ArgumentException($"Unknown optimizer '{spec.Optimizer}'; use sgd, adagrad, ftrl or normalized."),
    };
}
