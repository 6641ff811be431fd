namespace Streaming.Learning.Optimizers;

/// <summary>Plain SGD with a decaying rate η·(1 + decay·t)^−power and optional L2 on the touched weights.</summary>
public sealed class Sgd(int slots, double learningRate, double decay, double power, double l2) : Optimizer(slots, 0)
{
    public override string Name => "sgd";

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
