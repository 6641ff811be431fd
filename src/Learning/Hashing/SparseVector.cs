namespace Streaming.Learning.Hashing;

/// <summary>A reusable sparse feature vector: parallel slot and value arrays that grow as needed.</summary>
public sealed class SparseVector
{
    private int[] _indices;
    private float[] _values;

    public SparseVector(int capacity = 32)
    {
        _indices = new int[capacity];
        _values = new float[capacity];
    }

    public int Count { get; private set; }
    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, Count);
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Count);

    public void Clear() => Count = 0;

    public void Add(int index, float value)
    {
        if (Count == _indices.Length)
        {
            Array.Resize(ref _indices, Count * 2);
            Array.Resize(ref _values, Count * 2);
        }
        _indices[Count] = index;
        _values[Count] = value;
        Count++;
    }
}
