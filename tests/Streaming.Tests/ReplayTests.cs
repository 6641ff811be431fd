using System.Text.Json;
using Streaming.Contracts;
using Streaming.Flights;
using Streaming.Host.Commands;
using Streaming.Ingest;
using Streaming.Ingest.Replay;
using Streaming.Ingest.Validation;

namespace Streaming.Tests;

public sealed class ReplayTests
{
    private static string Sample => DemoCommand.DefaultDataPath;

    [Fact]
    public async Task Flights_become_events_and_later_labels_in_arrival_order()
    {
        var source = new FlightsReplaySource(Sample, limit: 5_000);
        var records = new List<ReplayRecord>();
        await foreach (var record in source.ReadAsync(CancellationToken.None)) records.Add(record);

        Assert.Equal(5_000, source.RowsRead);
        Assert.Equal(5_000, records.Count(r => r.Stream == IngestStream.Events));
        Assert.InRange(records.Count(r => r.Stream == IngestStream.Labels), 4_500, 5_000);
        for (var i = 1; i < records.Count; i++) Assert.True(records[i - 1].Arrival <= records[i].Arrival, $"record {i} arrives before record {i - 1}");

        var events = records.Where(r => r.Stream == IngestStream.Events)
            .Select(r => JsonSerializer.Deserialize(r.Utf8, ContractsJsonContext.Default.EntityEvent)!).ToDictionary(e => e.Id);
        var validator = new RecordValidator(new IngestOptions());
        foreach (var record in records.Where(r => r.Stream == IngestStream.Labels))
        {
            var label = JsonSerializer.Deserialize(record.Utf8, ContractsJsonContext.Default.Label)!;
            var labelled = events[label.EventId!];
            Assert.True(label.Time > labelled.Time);
            Assert.Equal(labelled.Time, label.EventTime);
            Assert.Equal(labelled.PartitionKey, label.PartitionKey);
            Assert.True(validator.ValidateLabel(record.Utf8, record.Arrival).IsValid);
        }
        var first = events["flight-0"];
        Assert.Equal($"{first.Keys["origin"]}-{first.Keys["destination"]}", first.Keys["route"]);
    }

    [Fact]
    public void A_label_arrives_after_delay_plus_estimated_flight_time()
    {
        var row = new FlightRow { date = new DateTime(2001, 1, 1, 8, 0, 0), delay = 20, distance = 480, origin = "SFO", destination = "LAX" };
        var (entityEvent, label) = FlightsReplaySource.ToRecords(row, 7);
        Assert.Equal("flight-7", entityEvent.Id);
        Assert.Equal(480, entityEvent.Fields!["distance"].Number);
        Assert.Equal(new DateTimeOffset(2001, 1, 1, 9, 50, 0, TimeSpan.Zero), label!.Time); // 8:00 + 20 min + (30 + 60) min
        Assert.Equal(20, label.Value);
    }

    [Fact]
    public void A_row_with_a_missing_airport_is_dead_lettered_not_dropped()
    {
        var row = new FlightRow { date = new DateTime(2001, 1, 1, 8, 0, 0), delay = null, distance = 100, origin = null, destination = "LAX" };
        var (entityEvent, label) = FlightsReplaySource.ToRecords(row, 0);
        Assert.Null(label);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entityEvent, ContractsJsonContext.Default.EntityEvent);
        Assert.Equal(RejectionReasons.EmptyKey, new RecordValidator(new IngestOptions()).ValidateEvent(bytes, entityEvent.Time).Reason);
    }

    [Fact]
    public async Task Json_files_replay_in_file_order_at_their_event_times()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(path,
            [
                """{"id":"a","type":"t","time":"2024-01-01T00:00:00Z","keys":{"k":"1"}}""",
                "not json",
                """{"id":"b","type":"t","time":"2024-01-01T00:05:00Z","keys":{"k":"1"}}""",
            ]);
            var records = new List<ReplayRecord>();
            await foreach (var record in new JsonReplaySource(path).ReadAsync(CancellationToken.None)) records.Add(record);
            Assert.Equal(3, records.Count);
            Assert.Equal(records[0].Arrival, records[1].Arrival);
            Assert.Equal(TimeSpan.FromMinutes(5), records[2].Arrival - records[0].Arrival);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
