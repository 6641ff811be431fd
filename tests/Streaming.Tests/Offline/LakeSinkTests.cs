using System.Diagnostics;
using Confluent.Kafka;
using Streaming.Contracts;
using Streaming.Flights;
using Streaming.Host.Commands;
using Streaming.Host.Web;
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

    [Fact]
    public async Task A_tombstone_an_empty_value_and_invalid_utf8_are_archived_as_they_came_and_the_sink_goes_on()
    {
        var (records, broker) = await PublishFlightsAsync(40);
        await using var _ = broker;
        byte[]?[] odd = [null, [], [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D]];
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            for (var i = 0; i < odd.Length; i++) producer.Produce(Topics.Events, new Message<string, byte[]> { Key = $"odd-{i}", Value = odd[i]! });
            // A valid record after them: the sink has gone on past them.
            var (_, key, value) = records.First(r => r.Topic == Topics.Events);
            producer.Produce(Topics.Events, new Message<string, byte[]> { Key = "after-" + key, Value = value });
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        var directory = Directory.CreateTempSubdirectory("lake-odd-").FullName;
        try
        {
            var (store, _) = await RunSinkAsync(broker, directory, records.Count + odd.Length + 1);
            var rows = await store.ReadAsync(Topics.Events).ToListAsync();
            Assert.Equal(records.Count(r => r.Topic == Topics.Events) + odd.Length + 1, rows.Count);
            Assert.Equal("", rows.Single(r => r.key == "odd-0").value); // the tombstone, archived empty
            Assert.Equal("", rows.Single(r => r.key == "odd-1").value);
            Assert.Contains('\uFFFD', rows.Single(r => r.key == "odd-2").value); // invalid UTF-8, replaced as .NET decodes it
            Assert.Contains(rows, r => r.key!.StartsWith("after-", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The lake sink as a process of its own (the host's `lake` command), so it can be killed outright.</summary>
    private static Process StartSinkProcess(string bootstrap, string directory) => HostProcess.Start(
    [
        "lake", "--urls", "http://127.0.0.1:0", "--Kafka:BootstrapServers=" + bootstrap, "--Lake:Directory=" + directory,
        "--Lake:FlushEvery=00:00:00.100", "--Lake:FlushRecords=200",
    ]);

    [Fact]
    public async Task A_sink_process_killed_over_and_over_while_flushing_loses_nothing_and_writes_nothing_twice()
    {
        var (records, broker) = await PublishFlightsAsync(6_000);
        await using var _ = broker;
        var directory = Directory.CreateTempSubdirectory("lake-").FullName;
        var store = new LakeStore(directory);
        long Committed() => store.Commits().Sum(c => c.Rows);
        try
        {
            // Each sink is killed (SIGKILL: no shutdown, no final flush) a moment after its first new commit, while
            // it is writing the next flushes (200 records or 100 ms each).
            var (kills, midFlush, midway) = (0, 0, 0);
            for (var round = 0; round < 6 && Committed() < records.Count; round++)
            {
                using var sink = StartSinkProcess(broker.Bootstrap, directory);
                var before = Committed();
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (Committed() == before && !sink.HasExited && DateTime.UtcNow < deadline) await Task.Delay(5);
                Assert.False(sink.HasExited, "the sink process stopped by itself");
                await Task.Delay(round * 7); // a few flushes at most: a sink writes the whole backlog in well under a second
                sink.Kill(entireProcessTree: true);
                await sink.WaitForExitAsync();
                kills++;
                if (Committed() < records.Count) midway++;
                var named = store.Commits().SelectMany(c => c.Files).Select(f => Path.GetFullPath(Path.Combine(directory, f))).ToHashSet();
                if (Directory.EnumerateFiles(directory, "*.parquet", SearchOption.AllDirectories).Any(f => !named.Contains(Path.GetFullPath(f)))) midFlush++;
            }
            Console.WriteLine($"lake sink killed {kills} times, {midFlush} of them between a flush's files and its commit");
            Assert.True(midway >= 2, $"only {midway} of {kills} kills came before the lake had everything");

            using (var last = StartSinkProcess(broker.Bootstrap, directory))
            {
                var deadline = DateTime.UtcNow.AddSeconds(90);
                while (Committed() < records.Count && DateTime.UtcNow < deadline) await Task.Delay(100);
                await Task.Delay(1_000); // a quiet spell: anything written twice would show up now
                last.Kill(entireProcessTree: true);
                await last.WaitForExitAsync();
            }

            var rows = new List<LakeRow>();
            foreach (var topic in new[] { Topics.Events, Topics.Labels }) rows.AddRange(await store.ReadAsync(topic).ToListAsync());
            Assert.Equal(records.Count, Committed());
            Assert.Equal(records.Count, rows.Count);
            Assert.Equal(records.Select(r => r.Key).Order(), rows.Select(r => r.key!).Order()); // each record once, none lost
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
