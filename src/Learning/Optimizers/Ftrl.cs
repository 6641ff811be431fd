namespace Streaming.Learning.Optimizers;

/// <summary>
/// FTRL-Proximal (McMahan et al., "Ad Click Prediction: a View from the Trenches", 2013), per
/// coordinate with L1 and L2. Under L1 a weight whose accumulated |z| stays below λ1 is exactly 0,
/// which keeps hashed models sparse.
/// </summary>
public sealed class Ftrl(int slots, double alpha, double beta, double l1, double l2) : Optimizer(slots, 2)
{
    public override string Name => "ftrl";

    public override void Update(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, double gradient)
    {
        var weights = Weights;
        var z = StateArrays[0];
        var n = StateArrays[1];
        for (var k = 0; k < indices.Length; k++)
        {
            var i = indices[k];
            var g = gradient * values[k];
            double ni = n[i], zi = z[i];
            var sigma = (Math.Sqrt(ni + g * g) - Math.Sqrt(ni)) / alpha;
            zi += g - sigma * weights[i];
            ni += g * g;
            z[i] = (float)zi;
            n[i] = (float)ni;
            weights[i] = Math.Abs(zi) <= l1 ? 0f : (float)(-(zi - Math.Sign(zi) * l1) / ((beta + Math.Sqrt(ni)) / alpha + l2));
        }
        Steps++;
    }
}
