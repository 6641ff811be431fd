namespace Streaming.Learning.Optimizers;

/// <summary>AdaGrad: each coordinate's rate shrinks with the sum of its squared gradients.</summary>
internal sealed class AdaGrad(int slots, double learningRate, double l2) : Optimizer(slots, 1)
{
    public override string Name => "adagrad";

    /// <summary>Divides every accumulated squared gradient by factor², so every coordinate's rate rises by factor.</summary>
    public override void Boost(double factor) => ShrinkSquaredGradients(StateArrays[0], factor);

    public override void Update(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, double gradient)
    {
        var weights = Weights;
        var squares = StateArrays[0];
        for (var k = 0; k < indices.Length; k++)
        {
            var i = indices[k];
            var g = gradient * values[k] + l2 * weights[i];
            squares[i] += (float)(g * g);
            weights[i] -= (float)(learningRate * g / (Math.Sqrt(squares[i]) + 1e-8));
        }
        Steps++;
    }
}
