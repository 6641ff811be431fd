using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Tiles;

/// <summary>An entity's current window of a view, merged from its parts.</summary>
public sealed record MergedWindow(long StartMs, long EndMs, FeatureAggregate Aggregate);

/// <summary>
/// The one merge of partial aggregates into a feature value, used by every reader (serving, parity, tests) and by the
/// backfill: the window current at the entity's newest time over all parts, merged from the panes it spans. Parts
/// and panes are merged in a fixed order (parts as given, panes by start), so equal tiles give equal bits.
/// </summary>
public static class TileMerge
{
    /// <summary>
    /// The window current at the newest time any part holds, or at <paramref name="asOfMs"/> when that is later (a read
    /// at a later time sees the window of that time: older panes may have left it); null when no part holds anything.
    /// </summary>
    public static MergedWindow? Current(FeatureView view, IEnumerable<EntityTile> parts, long? asOfMs = null)
    {
        var tiles = parts.Where(t => t.Panes.Count > 0).ToList();
        if (tiles.Count == 0) return null;
        var window = view.Window;
        var start = window.CurrentWindowStart(Math.Max(tiles.Max(t => t.NewestMs), asOfMs ?? long.MinValue));
        var end = start + window.SizeMs;
        var merged = FeatureAggregate.For(view);
        foreach (var tile in tiles)
            foreach (var (paneStart, pane) in tile.Panes)
                if (paneStart >= start && paneStart < end) merged.Merge(pane);
        return new MergedWindow(start, end, merged);
    }
}
