using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Host.Commands;
using Streaming.Host.Web;
using Streaming.Ingest.Replay;
using Streaming.Offline.Lake;
using Streaming.Tests.Support;

namespace Streaming.Tests.Offline;

/// <summary>The Parquet lake sink on embedded Kafka: every record once, by date and hour; reruns and crashes add nothing.</summary>
public sealed class LakeSinkTests
{
    private static async Task<(List<(string Topic, string Key, byte[] Value)> Records, RunningHost Broker)> PublishFlightsAsync(int rows)
    {
        var broker = await RunningHost.StartAsync(HostParts.Ingest);
        var records = new List<(string Topic, string Key, byte[] Value)>();
        await foreach (var record in new FlightsReplaySource(DemoCommand.DefaultDataPath, rows).ReadAsync(CancellationToken.None))
            records.Add((record.Stream == Streaming.Ingest.IngestStream.Events ? Topics.Events : Topics.Labels, Guid.NewGuid().ToString("N"), record.Utf8));
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.Bootstrap, LingerMs = 5 }).Build();
        foreach (var (topic, key, value) in records) producer.Produce(topic, new Message<string, byte[]> { Key = key, Value = value });
        producer.Flush(TimeSpan.FromSeconds(30));
        return (records, broker);
    }

    /// <summary>Runs a sink until the lake holds <paramref name="expectedRows"/> and <paramref name="expectedSkips"/> records were skipped.</summary>
    private static async Task<(LakeStore Store, double Skipped)> RunSinkAsync(RunningHost broker, string directory, int expectedRows, int expectedSkips = 0, bool fromBeginning = false)
    {
        await using var sink = await RunningHost.StartAsync(HostParts.Lake, "--Kafka:BootstrapServers=" + broker.Bootstrap,
            "--Lake:Directory=" + directory, "--Lake:FlushEvery=00:00:00.500", "--Lake:FlushRecords=1500", "--Lake:ReadFromBeginning=" + fromBeginning);
        var store = new LakeStore(directory);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((store.Commits().Sum(c => c.Rows) < expectedRows || MetricsText.Sum(await sink.MetricsAsync(), "streaming_lake_skipped_total") < expectedSkips)
               && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        await Task.Delay(1_000); // a quiet spell: anything written twice would show up now
        return (store, MetricsText.Sum(await sink.MetricsAsync(), "streaming_lake_skipped_total"));
    }

    [Fact]
    public async Task Every_record_lands_once_under_its_event_hour_and_a_rerun_or_an_interrupted_flush_adds_nothing()
    {
        var (records, broker) = await PublishFlightsAsync(3_000);
        await using var _ = broker;
        var directory = Directory.CreateTempSubdirectory("lake-").FullName;
        try
        {
            var (store, _) = await RunSinkAsync(broker, directory, records.Count);
            async Task<List<(string Topic, LakeRow Row)>> AllRows() =>
                [.. await store.ReadAsync(Topics.Events).Select(r => (Topics.Events, r)).ToListAsync(), .. await store.ReadAsync(Topics.Labels).Select(r => (Topics.Labels, r)).ToListAsync()];

            var rows = await AllRows();
            Assert.Equal(records.Count, rows.Count);
            Assert.Equal(rows.Count, rows.Select(r => (r.Topic, r.Row.partition, r.Row.offset)).Distinct().Count()); // each offset once
            Assert.Equal(records.Select(r => r.Key).Order(), rows.Select(r => r.Row.key!).Order()); // nothing lost
            var anEvent = rows.First(r => r.Topic == Topics.Events).Row;
            var time = System.Text.Json.JsonSerializer.Deserialize(anEvent.value, ContractsJsonContext.Default.EntityEvent)!.Time.UtcDateTime;
            Assert.Equal(time, anEvent.event_time);
            var files = store.Commits().SelectMany(c => c.Files).ToList();
            Assert.All(files, f => Assert.Matches(@"^(events|labels)/date=\d{4}-\d{2}-\d{2}/hour=\d{2}/", f.Replace('\\', '/')));
            Assert.Contains(files, f => f.Contains($"date={time:yyyy-MM-dd}{Path.DirectorySeparatorChar}hour={time:HH}"));

            // A crash between writing a flush's files and committing it leaves an uncommitted file behind.
            var orphan = Path.Combine(directory, Topics.Events, "date=2001-01-01", "hour=00", "events-p0-000000999999-000001000000.parquet");
            File.Copy(Path.Combine(directory, files[0]), orphan);
            var commitsBefore = store.Commits().Count;

            // Rerun over the same offsets: a new sink on the same lake and broker, reading every partition from its beginning.
            var (_, skipped) = await RunSinkAsync(broker, directory, records.Count, expectedSkips: records.Count, fromBeginning: true);
            Assert.Equal(records.Count, skipped); // every record read again, none written again
            Assert.False(File.Exists(orphan));
            Assert.Equal(commitsBefore, store.Commits().Count);
            Assert.Equal(records.Count, (await AllRows()).Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
