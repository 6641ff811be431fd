namespace Streaming.Learning.Optimizers;

/// <summary>
/// Normalized adaptive gradient in the style of Vowpal Wabbit's default update (Ross, Mineiro and
/// Langford, "Normalized Online Learning", 2013): each coordinate is scaled by the largest |x| seen for
/// it (so feature units do not matter), adapted like AdaGrad, and the global rate by √(t/N) with N the
/// accumulated normalized squared norm. Unlike the paper, the rescaling of a weight whose feature grew
/// happens at update time, after the prediction, so predicting never changes the model.
/// </summary>
internal sealed class NormalizedAdaptive(int slots, double learningRate) : Optimizer(slots, 2, scalars: 1)
{
    public override string Name => "normalized";

    /// <summary>Divides the accumulated squared gradients by factor², as AdaGrad does.</summary>
    public override void Boost(double factor) => ShrinkSquaredGradients(StateArrays[1], factor);

    public override void Update(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, double gradient)
    {
        var weights = Weights;
        var scale = StateArrays[0];
        var squares = StateArrays[1];
        double norm = 0;
        for (var k = 0; k < indices.Length; k++)
        {
            var i = indices[k];
            var x = Math.Abs(values[k]);
            if (x > scale[i])
            {
                if (scale[i] > 0) weights[i] *= scale[i] * scale[i] / (x * x);
                scale[i] = x;
            }
            if (scale[i] > 0) norm += (double)values[k] * values[k] / ((double)scale[i] * scale[i]);
        }
        Scalars[0] += norm;
        Steps++;
        if (Scalars[0] <= 0) return;
        var rate = learningRate * Math.Sqrt(Steps / Scalars[0]);
        for (var k = 0; k < indices.Length; k++)
        {
            var i = indices[k];
            if (scale[i] <= 0) continue;
            var g = gradient * values[k];
            squares[i] += (float)(g * g);
            if (squares[i] > 0) weights[i] -= (float)(rate * g / (scale[i] * Math.Sqrt(squares[i])));
        }
    }
}
