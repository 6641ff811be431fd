using Streaming.Flights;
using Streaming.Offline.Backfill;

namespace Streaming.Host.Commands;

/// <summary>
/// A flights file as backfill history: the composition root maps the domain's replay onto the offline path's records,
/// so that Offline does not know which domain it recomputes.
/// </summary>
internal static class FlightsHistory
{
    /// <summary>The file's departures and delay labels, in the order the replay publishes them (labels when they land).</summary>
    public static IAsyncEnumerable<HistoryRecord> ReadAsync(string path, long? limit, CancellationToken cancellationToken = default) =>
        new FlightsReplaySource(path, limit).ReadFlightsAsync(cancellationToken).Select(r => new HistoryRecord(r.Event, r.Label));
}
