namespace Streaming.Learning.Losses;

/// <summary>Binary logistic regression: label 0 or 1, prediction σ(m), loss −log p(label).</summary>
public sealed class LogisticLoss : ILoss
{
    public string Name => "logistic";
    public bool IsClassification => true;

    // log(1 + e^-|m|) + max(m, 0) − y·m, written to stay finite for any margin.
    public double Loss(double margin, double label) =>
        Math.Log(1 + Math.Exp(-Math.Abs(margin))) + Math.Max(margin, 0) - label * margin;

    public double Gradient(double margin, double label) => Predict(margin) - label;

    public double Predict(double margin) => margin >= 0 ? 1 / (1 + Math.Exp(-margin)) : Math.Exp(margin) / (1 + Math.Exp(margin));
}
