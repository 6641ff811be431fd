using Streaming.Learning.Hashing;

namespace Streaming.Learning;

/// <summary>Hashed examples packed end to end (CSR layout): what a micro-batch and the core-loop benchmark learn from.</summary>
public sealed class ExampleBatch
{
    private readonly List<int> _offsets = [0];
    private readonly List<int> _indices = [];
    private readonly List<float> _values = [];
    private readonly List<double> _targets = [];

    public int Count => _targets.Count;
    public IReadOnlyList<double> Targets => _targets;

    public void Add(SparseVector x, double target)
    {
        foreach (var i in x.Indices) _indices.Add(i);
        foreach (var v in x.Values) _values.Add(v);
        _offsets.Add(_indices.Count);
        _targets.Add(target);
    }

    public ReadOnlySpan<int> Indices(int example) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_indices)[_offsets[example].._offsets[example + 1]];

    public ReadOnlySpan<float> Values(int example) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_values)[_offsets[example].._offsets[example + 1]];

    public void Clear()
    {
        _offsets.RemoveRange(1, _offsets.Count - 1);
        _indices.Clear();
        _values.Clear();
        _targets.Clear();
    }
}
