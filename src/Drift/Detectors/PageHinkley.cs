namespace Streaming.Drift.Detectors;

/// <summary>
/// The Page-Hinkley test (Page 1954; as in River and MOA), for an increase in the mean, which is what a
/// degrading model's loss does: the cumulative deviation of each value from the running mean, less a
/// tolerance <c>delta</c> and faded by <c>alpha</c>, is compared with its minimum so far; a rise of more than
/// <c>threshold</c> above that minimum is a change, after which the test starts over. Larger thresholds mean
/// fewer false alarms and later detection. The defaults suit a log loss: <c>delta</c> 0.05 nats of tolerated
/// rise, and no fading (<c>alpha</c> 1, the classic test): River's 0.9999 keeps the sum near an equilibrium
/// where it wanders by tens of units on a loss this noisy, and raised twenty times the false alarms on a
/// stationary stream here.
/// </summary>
internal sealed class PageHinkley(double delta = 0.05, double threshold = 50, double alpha = 1, int minInstances = 30) : IDriftDetector
{
    private double _mean, _sum, _minimum;

    public string Name => "page_hinkley";
    public double Estimation => _mean;
    public long Count { get; private set; }

    public bool Update(double value)
    {
        Count++;
        _mean += (value - _mean) / Count;
        _sum = alpha * _sum + (value - _mean - delta);
        _minimum = Math.Min(_minimum, _sum);
        if (Count < minInstances || _sum - _minimum <= threshold) return false;
        Reset();
        return true;
    }

    private void Reset()
    {
        Count = 0;
        _mean = _sum = _minimum = 0;
    }
}
