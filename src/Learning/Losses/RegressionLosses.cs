namespace Streaming.Learning.Losses;

/// <summary>Least squares: ½(m − y)².</summary>
internal sealed class SquaredLoss : ILoss
{
    public string Name => "squared";
    public bool IsClassification => false;
    public double Loss(double margin, double label) => 0.5 * (margin - label) * (margin - label);
    public double Gradient(double margin, double label) => margin - label;
    public double Predict(double margin) => margin;
}

/// <summary>Least absolute deviation: |m − y| (subgradient 0 at the kink).</summary>
internal sealed class AbsoluteLoss : ILoss
{
    public string Name => "absolute";
    public bool IsClassification => false;
    public double Loss(double margin, double label) => Math.Abs(margin - label);
    public double Gradient(double margin, double label) => Math.Sign(margin - label);
    public double Predict(double margin) => margin;
}

/// <summary>Huber: squared within <c>delta</c> of the label, absolute beyond; robust to outliers such as extreme delays.</summary>
internal sealed class HuberLoss(double delta) : ILoss
{
    public string Name => "huber";
    public bool IsClassification => false;
    public double Delta { get; } = delta > 0 ? delta : throw new ArgumentOutOfRangeException(nameof(delta));

    public double Loss(double margin, double label)
    {
        var r = Math.Abs(margin - label);
        return r <= Delta ? 0.5 * r * r : Delta * (r - 0.5 * Delta);
    }

    public double Gradient(double margin, double label) => Math.Clamp(margin - label, -Delta, Delta);

    public double Predict(double margin) => margin;
}
