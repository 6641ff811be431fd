using System.Runtime.CompilerServices;
using System.Text.Json;
using Parquet;
using Parquet.Serialization;
using Streaming.Contracts;
using Streaming.Ingest;
using Streaming.Ingest.Replay;

namespace Streaming.Flights;

/// <summary>
/// US flight departures (flights-3m.parquet schema) as a live stream: each departure is an event at its
/// scheduled time, keyed by origin, destination and route; its departure delay is a label that arrives when
/// the flight lands (scheduled time + delay + flight time estimated from distance). Records come out in
/// arrival order, labels interleaved with later departures.
/// </summary>
public sealed class FlightsReplaySource(string path, long? limit = null) : IReplaySource
{
    public long? RowCount { get; private set; }
    public long RowsRead { get; private set; }

    /// <summary>Taxi, climb and descent (30 min) plus cruise at about 480 mph.</summary>
    public static TimeSpan EstimatedFlightTime(long distanceMiles) => TimeSpan.FromMinutes(30 + distanceMiles / 8.0);

    public async IAsyncEnumerable<ReplayRecord> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var record in ReadFlightsAsync(cancellationToken))
            yield return record.Event is { } entityEvent
                ? new ReplayRecord(IngestStream.Events, JsonSerializer.SerializeToUtf8Bytes(entityEvent, ContractsJsonContext.Default.EntityEvent), record.Arrival)
                : new ReplayRecord(IngestStream.Labels, JsonSerializer.SerializeToUtf8Bytes(record.Label!, ContractsJsonContext.Default.Label), record.Arrival);
    }

    /// <summary>Departures and their labels as records, in arrival order (a label when its flight lands, among later departures).</summary>
    public async IAsyncEnumerable<FlightRecord> ReadFlightsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pendingLabels = new PriorityQueue<Label, (DateTimeOffset Arrival, long Sequence)>();
        long index = 0;
        await foreach (var row in ReadRowsAsync(cancellationToken))
        {
            var (entityEvent, label) = ToRecords(row, index);
            var arrival = entityEvent.Time;
            while (pendingLabels.TryPeek(out var due, out var priority) && priority.Arrival <= arrival)
            {
                pendingLabels.Dequeue();
                yield return new FlightRecord(null, due, due.Time);
            }
            yield return new FlightRecord(entityEvent, null, arrival);
            if (label is not null) pendingLabels.Enqueue(label, (label.Time, index));
            index++;
            RowsRead = index;
        }
        while (pendingLabels.TryDequeue(out var due, out _)) yield return new FlightRecord(null, due, due.Time);
    }

    /// <summary>The event and (when the delay is known) the label a row stands for.</summary>
    public static (EntityEvent Event, Label? Label) ToRecords(FlightRow row, long index)
    {
        var time = new DateTimeOffset(DateTime.SpecifyKind(row.date ?? DateTime.UnixEpoch, DateTimeKind.Utc));
        var keys = new Dictionary<string, string>
        {
            ["origin"] = row.origin ?? string.Empty,
            ["destination"] = row.destination ?? string.Empty,
            ["route"] = $"{row.origin}-{row.destination}",
        };
        var fields = new Dictionary<string, FieldValue>();
        if (row.distance is { } distance) fields["distance"] = distance;
        var id = $"flight-{index}";
        var entityEvent = new EntityEvent(id, FlightFeatureViews.DepartureType, time, keys, fields);
        if (row.delay is not { } delay) return (entityEvent, null);
        var landed = time + TimeSpan.FromMinutes(delay) + EstimatedFlightTime(row.distance ?? 0);
        if (landed <= time) landed = time.AddMinutes(1); // a very early departure still lands after it was scheduled
        return (entityEvent, new Label($"{id}-delay", FlightFeatureViews.DelayLabel, delay, landed, EventId: id, Keys: keys, EventTime: time));
    }

    /// <summary>The rows of the file in file order, up to the limit.</summary>
    public async IAsyncEnumerable<FlightRow> ReadRowsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int rowGroups;
        await using (var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken))
        {
            rowGroups = reader.RowGroupCount;
            long total = 0;
            for (var i = 0; i < rowGroups; i++)
            {
                using var group = reader.OpenRowGroupReader(i);
                total += group.RowCount;
            }
            RowCount = limit is { } l ? Math.Min(l, total) : total;
        }
        long emitted = 0;
        await using var stream = File.OpenRead(path);
        for (var group = 0; group < rowGroups; group++)
        {
            var rows = (await ParquetSerializer.DeserializeAsync<FlightRow>(stream, rowGroupIndex: group, cancellationToken: cancellationToken)).Data;
            foreach (var row in rows)
            {
                if (emitted++ >= RowCount) yield break;
                yield return row;
            }
        }
    }
}

/// <summary>A departure or its label, at the time it arrives.</summary>
public sealed record FlightRecord(EntityEvent? Event, Label? Label, DateTimeOffset Arrival);
