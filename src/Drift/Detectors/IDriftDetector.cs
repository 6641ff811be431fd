namespace Streaming.Drift.Detectors;

/// <summary>
/// A change detector over a stream of numbers (e.g. per-example loss), in the manner of River's drift
/// detectors: <see cref="Update"/> returns true at the example where a change in the mean is detected.
/// </summary>
internal interface IDriftDetector
{
    string Name { get; }

    /// <summary>Adds one value; true when a change was detected at this value.</summary>
    bool Update(double value);

    /// <summary>The detector's current estimate of the stream's mean (over its window).</summary>
    double Estimation { get; }

    /// <summary>Values seen since the start or the last reset.</summary>
    long Count { get; }
}
