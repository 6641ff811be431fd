using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.Platform.Kafka;
using Streaming.Platform.Threading;

namespace Streaming.Offline.Lake;

/// <summary>
/// Archives the configured topics into the Parquet lake, exactly once. The lake's commits, not the consumer group,
/// say where to resume: at start, files a crash left uncommitted are deleted and every partition is read from the
/// first offset no commit covers; a record below that (a rerun, a redelivery) is skipped. One sink per lake:
/// partitions are assigned, not balanced.
/// </summary>
internal sealed class LakeSink(LakeOptions options, KafkaClientConfigs kafka, LakeMetrics metrics, ILogger<LakeSink> logger) : BackgroundService
{
    private readonly LakeStore _store = new(options.Directory);
    private readonly Dictionary<(string Topic, int Partition), List<LakeRow>> _pending = [];
    private Dictionary<(string Topic, int Partition), long> _next = [];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BlockingLoop.Start(() => Run(stoppingToken), stoppingToken);

    /// <summary>The sink's loop, on a thread of its own: it blocks in Consume, and waits there for its file writes.</summary>
    private void Run(CancellationToken stoppingToken)
    {
        var removed = _store.DeleteUncommitted();
        if (removed > 0) logger.LogWarning("Lake: deleted {Files} uncommitted file(s) left by an interrupted flush; their records are read again", removed);
        _next = _store.NextOffsets();
        var config = kafka.Consumer("lake");
        config.EnableAutoCommit = false;
        using var consumer = new ConsumerBuilder<string?, byte[]>(config).Build();
        consumer.Assign(Assignment());
        logger.LogInformation("Lake sink writing {Topics} to {Directory}, resuming at {Offsets}", string.Join(", ", options.Topics.Distinct()),
            Path.GetFullPath(options.Directory), string.Join(", ", _next.Select(n => $"{n.Key.Topic}[{n.Key.Partition}]@{n.Value}")));
        var sinceFlush = Stopwatch.StartNew();
        var waiting = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is not null && Accept(result)) waiting++;
            // Only size and age end a flush: flushing whenever the sink caught up would write a file per trickle of records.
            if (waiting >= options.FlushRecords || (waiting > 0 && sinceFlush.Elapsed >= options.FlushEvery))
            {
                Flush();
                waiting = 0;
                sinceFlush.Restart();
            }
        }
        Flush();
        consumer.Close();
    }

    private List<TopicPartitionOffset> Assignment()
    {
        using var admin = new AdminClientBuilder(kafka.Admin()).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(30));
        return metadata.Topics.Where(t => options.Topics.Contains(t.Topic)).SelectMany(t => t.Partitions.Select(p =>
            new TopicPartitionOffset(t.Topic, p.PartitionId,
                !options.ReadFromBeginning && _next.TryGetValue((t.Topic, p.PartitionId), out var next) ? new Offset(next) : Offset.Beginning))).ToList();
    }

    /// <summary>Buffers a record unless the lake already has its offset.</summary>
    private bool Accept(ConsumeResult<string?, byte[]> result)
    {
        var partition = (result.Topic, result.Partition.Value);
        if (_next.TryGetValue(partition, out var next) && result.Offset.Value < next)
        {
            metrics.Skipped.WithLabels(result.Topic).Inc();
            return false;
        }
        if (!_pending.TryGetValue(partition, out var rows)) _pending[partition] = rows = [];
        rows.Add(new LakeRow
        {
            partition = result.Partition.Value,
            offset = result.Offset.Value,
            key = result.Message.Key,
            event_time = EventTime(result.Message.Value) ?? result.Message.Timestamp.UtcDateTime,
            value = result.Message.Value is { } value ? System.Text.Encoding.UTF8.GetString(value) : "", // a tombstone is archived empty
        });
        return true;
    }

    private void Flush()
    {
        foreach (var ((topic, partition), rows) in _pending.Where(p => p.Value.Count > 0))
        {
            var commit = _store.WriteAsync(topic, partition, rows, CancellationToken.None).GetAwaiter().GetResult();
            _next[(topic, partition)] = commit.To + 1;
            metrics.Rows.WithLabels(topic).Inc(commit.Rows);
            metrics.Files.WithLabels(topic).Inc(commit.Files.Count);
            rows.Clear();
        }
    }

    /// <summary>The record's own "time" (events, labels and prediction logs all have one); null when it has none.</summary>
    private static DateTime? EventTime(byte[]? value)
    {
        if (value is not { Length: > 0 }) return null;
        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("time", out var time)
                && time.TryGetDateTimeOffset(out var parsed) ? parsed.UtcDateTime : null;
        }
        catch (Exception e) when (UnreadableRecord.Is(e))
        {
            return null; // not JSON, or not UTF-8: archived as it came, at its Kafka time
        }
    }
}
