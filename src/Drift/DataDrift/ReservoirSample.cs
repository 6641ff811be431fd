namespace Streaming.Drift.DataDrift;

/// <summary>
/// A uniform sample of at most <c>capacity</c> values from a stream of any length (Vitter's algorithm R),
/// seeded so the same stream gives the same sample: the learner keeps one per feature to profile what a
/// model version learned from.
/// </summary>
internal sealed class ReservoirSample(int capacity = 2_000, int seed = 17)
{
    private readonly List<double> _values = new(capacity);
    private readonly Random _random = new(seed);

    public long Seen { get; private set; }
    public IReadOnlyList<double> Values => _values;

    public void Add(double value)
    {
        Seen++;
        if (_values.Count < capacity)
        {
            _values.Add(value);
            return;
        }
        var slot = _random.NextInt64(Seen);
        if (slot < capacity) _values[(int)slot] = value;
    }
}
