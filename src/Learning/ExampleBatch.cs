using Streaming.Learning.Hashing;

namespace Streaming.Learning;

/// <summary>
/// Hashed examples packed end to end (CSR layout) in plain arrays: what a micro-batch and the core-loop
/// benchmark learn from. Reading an example is two array reads and a slice, which matters at 10M/s.
/// </summary>
public sealed class ExampleBatch
{
    private int[] _offsets = new int[65];
    private int[] _indices = new int[512];
    private float[] _values = new float[512];
    private double[] _targets = new double[64];

    public int Count { get; private set; }
    public ReadOnlySpan<double> Targets => _targets.AsSpan(0, Count);

    public void Add(SparseVector x, double target)
    {
        var start = _offsets[Count];
        var end = start + x.Count;
        if (end > _indices.Length)
        {
            Array.Resize(ref _indices, Math.Max(end, _indices.Length * 2));
            Array.Resize(ref _values, _indices.Length);
        }
        if (Count == _targets.Length)
        {
            Array.Resize(ref _targets, Count * 2);
            Array.Resize(ref _offsets, Count * 2 + 1);
        }
        x.Indices.CopyTo(_indices.AsSpan(start));
        x.Values.CopyTo(_values.AsSpan(start));
        _targets[Count] = target;
        _offsets[++Count] = end;
    }

    public ReadOnlySpan<int> Indices(int example) => _indices.AsSpan(_offsets[example], _offsets[example + 1] - _offsets[example]);

    public ReadOnlySpan<float> Values(int example) => _values.AsSpan(_offsets[example], _offsets[example + 1] - _offsets[example]);

    public void Clear() => Count = 0;
}
