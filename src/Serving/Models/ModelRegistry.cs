using System.Collections.Concurrent;

namespace Streaming.Serving.Models;

/// <summary>
/// The version each served model answers with right now. A swap is one atomic exchange: a request that
/// leased the old version finishes on it, every later request gets the new one.
/// </summary>
public sealed class ModelRegistry
{
    private readonly ConcurrentDictionary<string, Slot> _slots;

    public ModelRegistry(ServingOptions options) =>
        _slots = new ConcurrentDictionary<string, Slot>(options.Models.Distinct(StringComparer.Ordinal).Select(name => KeyValuePair.Create(name, new Slot())), StringComparer.Ordinal);

    public IEnumerable<string> Names => _slots.Keys.Order(StringComparer.Ordinal);

    public bool IsServed(string model) => _slots.ContainsKey(model);

    /// <summary>The current version, leased; null when the model is not served here or nothing is loaded yet.</summary>
    public ModelLease? Acquire(string model)
    {
        if (!_slots.TryGetValue(model, out var slot)) return null;
        while (true)
        {
            var current = Volatile.Read(ref slot.Current);
            if (current is null) return null;
            if (current.TryAcquire()) return new ModelLease(current);
            // Swapped out and drained between the read and the acquire: the slot already holds its successor.
        }
    }

    /// <summary>The current version without leasing it (for status pages; do not score with it).</summary>
    public ServedModel? Peek(string model) => _slots.TryGetValue(model, out var slot) ? Volatile.Read(ref slot.Current) : null;

    /// <summary>Makes <paramref name="next"/> current; the previous version is released once its requests finish.</summary>
    public void Swap(string model, ServedModel next)
    {
        var previous = Interlocked.Exchange(ref _slots[model].Current, next);
        previous?.Release();
    }

    private sealed class Slot
    {
        public ServedModel? Current;
    }
}
