using System.Buffers.Binary;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Tiles;

/// <summary>
/// One source partition's share of one (view, entity): the panes (tumbling windows of the view's advance) of the
/// records that partition held, back to the start of the window current at its newest time. It is the partition's
/// part of the entity's online hash, and readers merge the parts (<see cref="TileMerge"/>). Only the stream task
/// that owns the partition writes it, so parts never need coordinating.
/// </summary>
public sealed class EntityTile
{
    private const byte FormatVersion = 1;

    public SortedList<long, FeatureAggregate> Panes { get; } = [];

    /// <summary>The newest event time folded in (its pane is always kept).</summary>
    public long NewestMs { get; private set; } = long.MinValue;

    /// <summary>
    /// Folds a value into its pane. Panes before the window current at the newest time are dropped: no read can reach
    /// them again, since a read merges the window of the newest time over all parts, and that is never earlier. Returns
    /// false when the value's own pane is already before that window (a record late within the grace across a pane
    /// boundary): it changes no value anyone can read.
    /// </summary>
    public bool Add(FeatureView view, double value, long timeMs, long ingestMs)
    {
        var window = view.Window;
        NewestMs = Math.Max(NewestMs, timeMs);
        var firstKept = window.CurrentWindowStart(NewestMs);
        while (Panes.Count > 0 && Panes.Keys[0] < firstKept) Panes.RemoveAt(0);
        var pane = timeMs / window.AdvanceMs * window.AdvanceMs;
        if (pane < firstKept) return false;
        if (!Panes.TryGetValue(pane, out var aggregate)) Panes[pane] = aggregate = FeatureAggregate.For(view);
        aggregate.Add(value, timeMs, ingestMs);
        return true;
    }

    /// <summary>The newest wall-clock time a contribution entered Kafka: where freshness is measured from.</summary>
    public long NewestIngestMs => Panes.Count == 0 ? long.MinValue : Panes.Values.Max(p => p.NewestIngestMs);

    public byte[] Serialize()
    {
        var aggregates = Panes.Values.Select(p => p.Serialize()).ToList();
        var bytes = new byte[1 + 8 + 4 + aggregates.Sum(a => 12 + a.Length)];
        var span = bytes.AsSpan();
        span[0] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], NewestMs);
        BinaryPrimitives.WriteInt32LittleEndian(span[9..], Panes.Count);
        var at = 13;
        for (var i = 0; i < aggregates.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], Panes.Keys[i]);
            BinaryPrimitives.WriteInt32LittleEndian(span[(at + 8)..], aggregates[i].Length);
            aggregates[i].CopyTo(span[(at + 12)..]);
            at += 12 + aggregates[i].Length;
        }
        return bytes;
    }

    public static EntityTile Deserialize(ReadOnlySpan<byte> span)
    {
        if (span.Length < 13 || span[0] != FormatVersion)
            throw new FormatException($"Not a feature tile of format {FormatVersion} ({span.Length} bytes).");
        var tile = new EntityTile { NewestMs = BinaryPrimitives.ReadInt64LittleEndian(span[1..]) };
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[9..]);
        var at = 13;
        for (var i = 0; i < count; i++)
        {
            if (span.Length < at + 12) throw new FormatException("A feature tile ends inside a pane header.");
            var start = BinaryPrimitives.ReadInt64LittleEndian(span[at..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[(at + 8)..]);
            if (length < 0 || span.Length < at + 12 + length) throw new FormatException("A feature tile ends inside a pane.");
            tile.Panes[start] = FeatureAggregate.Deserialize(span.Slice(at + 12, length));
            at += 12 + length;
        }
        return tile;
    }
}
