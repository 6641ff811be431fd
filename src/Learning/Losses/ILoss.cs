namespace Streaming.Learning.Losses;

/// <summary>A loss on the margin m = w·x: its value, its derivative in m, and the prediction it implies.</summary>
public interface ILoss
{
    string Name { get; }

    /// <summary>True for losses whose target is 0/1 (the prediction is a probability).</summary>
    bool IsClassification { get; }

    double Loss(double margin, double label);

    /// <summary>dLoss/dmargin: the factor every weight's gradient shares (times that weight's feature value).</summary>
    double Gradient(double margin, double label);

    /// <summary>What a model with this margin predicts (a probability for logistic, the value for regression).</summary>
    double Predict(double margin);

    /// <summary>Prediction, loss and gradient at once: what every learning step needs (losses may share the work).</summary>
    LossPoint Evaluate(double margin, double label) => new(Predict(margin), Loss(margin, label), Gradient(margin, label));
}

/// <summary>A loss evaluated at one margin.</summary>
public readonly record struct LossPoint(double Prediction, double Loss, double Gradient);

public static class Losses
{
    public static ILoss Create(string name, double huberDelta = 1.0) => name switch
    {
        "logistic" => new LogisticLoss(),
        "squared" => new SquaredLoss(),
        "absolute" => new AbsoluteLoss(),
        "huber" => new HuberLoss(huberDelta),
        _ => throw new ArgumentException($"Unknown loss '{name}'; use logistic, squared, absolute or huber.", nameof(name)),
    };
}
