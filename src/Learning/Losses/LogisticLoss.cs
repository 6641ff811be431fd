namespace Streaming.Learning.Losses;

/// <summary>Binary logistic regression: label 0 or 1, prediction σ(m), loss −log p(label).</summary>
internal sealed class LogisticLoss : ILoss
{
    public string Name => "logistic";
    public bool IsClassification => true;

    // log(1 + e^-|m|) + max(m, 0) − y·m, written to stay finite for any margin.
    public double Loss(double margin, double label) =>
        Math.Log(1 + Math.Exp(-Math.Abs(margin))) + Math.Max(margin, 0) - label * margin;

    public double Gradient(double margin, double label) => Predict(margin) - label;

    public double Predict(double margin) => Sigmoid(margin, Math.Exp(-Math.Abs(margin)));

    // One exponential and one logarithm per learning step instead of three and one: the hot path.
    public LossPoint Evaluate(double margin, double label)
    {
        var e = Math.Exp(-Math.Abs(margin));
        var prediction = Sigmoid(margin, e);
        return new LossPoint(prediction, Math.Log(1 + e) + Math.Max(margin, 0) - label * margin, prediction - label);
    }

    // σ(m) from e = exp(−|m|), which never overflows.
    private static double Sigmoid(double margin, double e) => margin >= 0 ? 1 / (1 + e) : e / (1 + e);
}
