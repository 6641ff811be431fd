using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.Flights;

namespace Streaming.Tests.Features;

/// <summary>
/// What the online store should hold after a replay, computed straight from the rows with LINQ and no
/// code of the feature store: per view and entity, the values over the window holding the entity's newest
/// time (the earliest such window for hopping ones).
/// </summary>
public static class FlightFeatureExpectations
{
    public sealed record Expected(string View, string Entity, long WindowStart, long Watermark, Dictionary<string, double> Values);

    public static async Task<List<Expected>> ComputeAsync(string path, long rows, IReadOnlyList<FeatureView> views)
    {
        var events = new List<EntityEvent>();
        var labels = new List<Label>();
        long index = 0;
        await foreach (var row in new FlightsReplaySource(path, rows).ReadRowsAsync(CancellationToken.None))
        {
            var (entityEvent, label) = FlightsReplaySource.ToRecords(row, index++);
            events.Add(entityEvent);
            if (label is not null) labels.Add(label);
        }
        var expected = new List<Expected>();
        foreach (var view in views)
        {
            var inputs = view.Source == FeatureSource.Events
                ? events.Where(e => e.Type == view.RecordName && e.Keys.TryGetValue(view.Entity, out var k) && k != "")
                    .Select(e => (Entity: e.Keys[view.Entity], Time: e.Time.ToUnixTimeMilliseconds(), Value: view.Field is null ? 1.0 : e.Fields![view.Field].Number))
                : labels.Where(l => l.Name == view.RecordName && l.Keys!.TryGetValue(view.Entity, out var k) && k != "")
                    .Select(l => (Entity: l.Keys![view.Entity], Time: l.Time.ToUnixTimeMilliseconds(), Value: l.Value));
            foreach (var entity in inputs.GroupBy(i => i.Entity))
            {
                var newest = entity.Max(i => i.Time);
                var size = (long)view.Window.Size.TotalMilliseconds;
                var advance = (long)view.Window.Advance.TotalMilliseconds;
                // Windows [start, start + size) start at multiples of the advance; take the earliest holding the newest time.
                var start = (newest - size) / advance * advance + advance;
                if (start + size <= newest) start += advance;
                var inWindow = entity.Where(i => i.Time >= start && i.Time < start + size).ToList();
                var values = inWindow.Select(i => i.Value).ToList();
                var sum = values.Sum();
                var sumOfSquares = values.Sum(v => v * v);
                var all = new Dictionary<string, double>
                {
                    ["count"] = values.Count,
                    ["sum"] = sum,
                    ["mean"] = sum / values.Count,
                    ["min"] = values.Min(),
                    ["max"] = values.Max(),
                    ["last"] = inWindow.Last(i => i.Time == inWindow.Max(x => x.Time)).Value,
                    ["stddev"] = values.Count < 2 ? 0 : Math.Sqrt(Math.Max(0, (sumOfSquares - sum * sum / values.Count) / (values.Count - 1))),
                };
                expected.Add(new Expected(view.Name, entity.Key, start, newest,
                    view.Aggregations.Select(a => a.Name()).ToDictionary(name => name, name => all[name])));
            }
        }
        return expected;
    }
}
