using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Tiles;
using Streaming.Platform.Kafka;
using Streamiz.Kafka.Net;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Runs the feature topology: events and labels in; Redis online store, training examples and dead
/// letters out. Restarting resumes from committed offsets with state restored from the changelogs.
/// Reports its state for /readyz and the consumer lag of its sources as a metric.
/// </summary>
public sealed class FeatureStoreService(
    IKafkaCluster cluster,
    KafkaOptions kafkaOptions,
    KafkaClientConfigs kafkaConfigs,
    FeatureSet set,
    ITileStore tileStore,
    FeatureMetrics metrics,
    FeatureStoreOptions options,
    ILoggerFactory loggerFactory,
    ILogger<FeatureStoreService> logger) : BackgroundService
{
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(5);
    private readonly Lazy<IConsumer<Ignore, Ignore>> _lagConsumer = new(() => new ConsumerBuilder<Ignore, Ignore>(kafkaConfigs.Consumer(options.ApplicationId)).Build());
    private readonly TaskCompletionSource<LostRecords> _recordsLost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DeadLetterPublisher? _deadLetters;
    private KafkaStream? _stream;

    /// <summary>Streamiz's state, e.g. RUNNING or REBALANCING; null before start.</summary>
    public KafkaStream.State? State { get; private set; }

    public bool IsRunning => State == KafkaStream.State.RUNNING;

    /// <summary>Where the stores live: <c>Features:StateDirectory</c>, or a fresh temporary directory per start; null before start.</summary>
    public string? StateDirectory { get; private set; }

    /// <summary>No directory configured: each start makes its own, which is this process's to delete.</summary>
    private bool OwnsStateDirectory => string.IsNullOrEmpty(options.StateDirectory);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var topics = Topics.All(kafkaOptions.StreamPartitions, kafkaOptions.TrainingExamplePartitions);
        // The embedded broker cannot create topics through the admin API Streamiz uses: create its internal ones here.
        if (cluster.Kind == KafkaClusterKind.Embedded) topics = [.. topics, .. FeatureTopology.InternalTopics(options.ApplicationId, kafkaOptions.StreamPartitions)];
        await cluster.EnsureTopicsAsync(topics, stoppingToken);

        StreamizLogging.Instance.Attach(loggerFactory);
        _deadLetters = new DeadLetterPublisher(kafkaConfigs.Producer(), "features", () => metrics.DeadLetterFailures.Inc(), loggerFactory.CreateLogger<DeadLetterPublisher>());
        var watch = new LogStartWatch(
            (topic, partition) => _lagConsumer.Value.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(5)).Low.Value,
            lost => _recordsLost.TrySetResult(lost));
        var tiles = new TileSettings(set, options.ApplicationId, tileStore, _deadLetters, metrics, options.FlushInterval, loggerFactory.CreateLogger<TileProcessor>(), watch);
        var topology = new FeatureTopology(tiles, options.JoinHorizon).Build();
        var config = StreamConfig();
        StreamExceptionHandlers.AddTo(config, _deadLetters, metrics, logger);

        _stream = new KafkaStream(topology, config);
        _stream.StateChanged += (_, state) =>
        {
            State = state;
            logger.LogInformation("Feature pipeline {State}", State);
        };
        logger.LogInformation("Feature pipeline starting: {Views} views ({Names}), {Guarantee}, application id {ApplicationId}, state in {StateDirectory}",
            set.Views.Count, string.Join(", ", set.Views.Select(v => v.Name)), options.Guarantee, options.ApplicationId, StateDirectory);
        await _stream.StartAsync(stoppingToken);

        using var timer = new PeriodicTimer(LagInterval);
        try
        {
            while (true)
            {
                var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                if (await Task.WhenAny(tick, _recordsLost.Task) == _recordsLost.Task) throw RecordsLost(await _recordsLost.Task);
                if (!await tick) break;
                foreach (var topic in SourceTopics) metrics.ConsumerLag.WithLabels(topic).Set(Lag(topic, kafkaOptions.StreamPartitions));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Records were deleted before the pipeline read them (its position fell below the log start) and librdkafka
    /// skipped to the earliest one left: the pipeline stops, loudly, rather than carry on with values missing them.
    /// </summary>
    private InvalidOperationException RecordsLost(LostRecords lost)
    {
        metrics.RecordsLost.Inc();
        logger.LogCritical("The feature pipeline's position in {Topic}[{Partition}] fell below the log start: offsets {From} to {To} were deleted before it read them " +
            "(the embedded broker keeps about 5 MiB per partition; a real broker's retention was shorter than the pipeline's lag). Stopping so that no value " +
            "is silently missing them: republish that range (from the lake or the producers), or accept the loss, then restart.", lost.Topic, lost.Partition, lost.From, lost.To);
        return new InvalidOperationException($"the feature pipeline's position in {lost.Topic}[{lost.Partition}] fell below the log start: offsets {lost.From}–{lost.To} were lost unread");
    }

    private static readonly string[] SourceTopics = [Topics.Events, Topics.Labels, Topics.Predictions];

    /// <summary>
    /// Waits until every record in the source topics is committed as processed (its tiles are then in Redis: a task
    /// flushes them before it commits), or the timeout passes. Returns whether it caught up. Twice in a row: a record
    /// may be on its way from one topic's task to the training examples for a moment.
    /// </summary>
    public async Task<bool> WaitUntilCaughtUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var quiet = 0;
        while (DateTime.UtcNow < deadline)
        {
            quiet = IsRunning && Backlog() == 0 ? quiet + 1 : 0;
            if (quiet == 2) return true;
            await Task.Delay(200, cancellationToken);
        }
        return false;
    }

    /// <summary>Records written to the source topics and not yet committed as processed.</summary>
    public long Backlog() => SourceTopics.Sum(topic => Lag(topic, kafkaOptions.StreamPartitions));

    /// <summary>End offsets minus the pipeline's committed offsets (a partition never committed counts whole).</summary>
    private long Lag(string topic, int partitionCount)
    {
        try
        {
            var consumer = _lagConsumer.Value;
            var partitions = Enumerable.Range(0, partitionCount).Select(p => new TopicPartition(topic, p)).ToList();
            var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(2)).ToDictionary(c => c.Partition.Value, c => c.Offset);
            return partitions.Sum(p =>
            {
                var end = consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(2)).High.Value;
                var done = committed.TryGetValue(p.Partition.Value, out var offset) && offset.Value >= 0 ? offset.Value : 0;
                return Math.Max(0, end - done);
            });
        }
        catch (KafkaException e)
        {
            logger.LogDebug(e, "Could not measure the feature pipeline's lag on {Topic}", topic);
            return 0;
        }
    }

    private FeatureStreamConfig StreamConfig()
    {
        StateDirectory = OwnsStateDirectory ? Path.Combine(Path.GetTempPath(), "streaming-features", Guid.NewGuid().ToString("N")) : options.StateDirectory;
        return FeatureStreamConfig.Create(options, kafkaOptions, cluster.BootstrapServers, StateDirectory);
    }

    /// <summary>
    /// A state directory of this process's own (none configured) is restored from the changelogs at every start and
    /// never reused, so it goes when the pipeline stops: left behind, every run would leave its stores on disk. (Streamiz
    /// 1.8 keeps the first pipeline's directory for its process-id file statically: a second pipeline in the same
    /// process, as in tests, writes that one small file there again.)
    /// </summary>
    private void DeleteTemporaryStateDirectory()
    {
        if (!OwnsStateDirectory || !Directory.Exists(StateDirectory)) return;
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the feature pipeline's temporary state directory {Directory}; delete it by hand", StateDirectory);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken);
            _stream?.Dispose();
            DeleteTemporaryStateDirectory();
            if (_lagConsumer.IsValueCreated) _lagConsumer.Value.Dispose();
            _deadLetters?.Dispose();
            logger.LogInformation("Feature pipeline stopped; its tiles were flushed with its last commit");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Feature pipeline stopped before its last commit (the host's shutdown timeout ran out); " +
                "the next start resumes each partition from the progress stored with its tiles, losing nothing");
        }
        finally
        {
            // Even when stopping is cut short: Streamiz would otherwise log into this host's disposed factory.
            StreamizLogging.Instance.Detach(loggerFactory);
        }
    }
}
