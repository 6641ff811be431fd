namespace Streaming.OnlineLearner;

/// <summary>The last N ids seen, for dropping repeats: a set with first-in, first-out eviction.</summary>
internal sealed class RecentIds(int capacity)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Remembers the id; false when it was already remembered.</summary>
    public bool Add(string id)
    {
        if (capacity <= 0) return true;
        if (!_ids.Add(id)) return false;
        _order.Enqueue(id);
        if (_order.Count > capacity) _ids.Remove(_order.Dequeue());
        return true;
    }
}
