using Streaming.Contracts;

namespace Streaming.Drift.DataDrift;

/// <summary>
/// What a model learned from, summarized for its snapshot: a reservoir sample per numeric feature
/// ("namespace.name", at most <c>maxFeatures</c> of them, first come) and of the model's own predictions
/// ("score"), turned into decile histograms when a snapshot is taken.
/// </summary>
public sealed class ReferenceProfiler(int maxFeatures = 64, int sampleSize = 2_000)
{
    private readonly Dictionary<string, ReservoirSample> _samples = new(StringComparer.Ordinal);

    public void Add(IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> features, double prediction)
    {
        foreach (var (name, value) in NumericFeatures.Of(features)) Sample(name)?.Add(value);
        Sample(DataDriftMonitor.Score)?.Add(prediction);
    }

    public IReadOnlyDictionary<string, FeatureHistogram> Build() =>
        _samples.Where(s => s.Value.Values.Count > 0).ToDictionary(s => s.Key, s => FeatureProfile.FromSample([.. s.Value.Values]), StringComparer.Ordinal);

    private ReservoirSample? Sample(string feature)
    {
        if (_samples.TryGetValue(feature, out var sample)) return sample;
        if (_samples.Count >= maxFeatures + 1) return null; // + the score
        return _samples[feature] = new ReservoirSample(sampleSize, seed: feature.Length);
    }
}
