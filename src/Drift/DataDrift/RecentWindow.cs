namespace Streaming.Drift.DataDrift;

/// <summary>The last <c>capacity</c> values of a stream (a ring buffer): the recent side of a data-drift comparison.</summary>
public sealed class RecentWindow(int capacity = 5_000)
{
    private readonly double[] _values = new double[capacity];
    private long _added;

    public int Count => (int)Math.Min(_added, capacity);

    /// <summary>Thread-safe: concurrent requests add to one window (a racing reader sees old or new values, both real).</summary>
    public void Add(double value) => _values[(Interlocked.Increment(ref _added) - 1) % capacity] = value;

    public IEnumerable<double> Values => _values.Take(Count);
}
