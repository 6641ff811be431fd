namespace Streaming.Learning.Optimizers;

/// <summary>Plain SGD with a decaying rate η·(1 + decay·t)^−power and optional L2 on the touched weights.</summary>
internal sealed class Sgd(int slots, double learningRate, double decay, double power, double l2) : Optimizer(slots, 0)
{
    public override string Name => "sgd";

    /// <summary>Winds the decay schedule back to where the rate was <paramref name="factor"/> times higher (a constant rate cannot rise).</summary>
    public override void Boost(double factor)
    {
        if (decay <= 0 || power <= 0) return;
        var target = Math.Min(learningRate, factor * learningRate * Math.Pow(1 + decay * Steps, -power));
        Steps = (long)Math.Max(0, (Math.Pow(learningRate / target, 1 / power) - 1) / decay);
    }

    public override void Update(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, double gradient)
    {
        var rate = learningRate * Math.Pow(1 + decay * Steps, -power);
        var weights = Weights;
        for (var k = 0; k < indices.Length; k++)
        {
            var i = indices[k];
            weights[i] -= (float)(rate * (gradient * values[k] + l2 * weights[i]));
        }
        Steps++;
    }
}
