using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.Platform.Kafka;
using Streaming.Platform.Threading;

namespace Streaming.DataParallel;

/// <summary>
/// One learner worker of a data-parallel model. The consumer group spreads the partitions of
/// <see cref="Topics.TrainingExamples"/> over the workers; for the open round a worker pulls the version's sharded
/// weights, learns each of its partitions' slices from the round's offsets (<see cref="SliceLearner"/>) and pushes the
/// deltas. It keeps no state of its own: a worker killed at any point is replaced by the next owner of its partitions,
/// which learns the same slices from the same version again, so no example is learned twice or skipped.
/// </summary>
public sealed class DataParallelWorker(
    DataParallelOptions options,
    ParameterServerStore ps,
    KafkaClientConfigs configs,
    DataParallelMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<DataParallelWorker> logger) : BackgroundService
{
    private const string Source = "learner-worker";
    private readonly SliceLearner _learner = new(options.Spec);
    private readonly HashSet<int> _paused = [];
    // Kept by the group's callbacks (which run inside Consume on this thread): asking librdkafka for the assignment per record is costly.
    private readonly HashSet<int> _owned = [];
    private long _weightsVersion = -1;
    private float[]? _weights;

    /// <summary>Set once the worker has joined its group (for tests and readiness).</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BlockingLoop.Start(() => Run(stoppingToken), stoppingToken);

    private void Run(CancellationToken stoppingToken)
    {
        try
        {
            using var deadLetters = new DeadLetterPublisher(configs.Producer(), Source,
                () => metrics.Skipped.WithLabels(options.Model, "dead_letter_refused").Inc(), logger);
            using var consumer = BuildConsumer();
            consumer.Subscribe(Topics.TrainingExamples);
            Started.TrySetResult();
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!Pass(consumer, deadLetters, stoppingToken)) break;
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    logger.LogWarning("Worker of {Model}: Redis failed ({Reason}); the round's slices are learned again once it answers", options.Model, e.Message);
                    Wait(consumer, options.IdleWait);
                }
            }
            consumer.Close();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Worker of {Model} stopped: {Message}", options.Model, e.Message);
            Started.TrySetException(e);
            throw;
        }
    }

    /// <summary>One look at the open round: learns and pushes what this worker owes it. False when the worker should stop.</summary>
    private bool Pass(IConsumer<Ignore, byte[]> consumer, DeadLetterPublisher deadLetters, CancellationToken stoppingToken)
    {
        Wait(consumer, TimeSpan.Zero);
        if (ps.HeadAsync().GetAwaiter().GetResult() is not { } head)
        {
            Wait(consumer, options.PollInterval);
            return true;
        }
        if (head.CaughtUp && options.StopWhenCaughtUp)
        {
            logger.LogInformation("Worker of {Model}: the parameter server caught up at v{Version}; stopping as configured", options.Model, head.Version);
            lifetime.StopApplication();
            return false;
        }
        return options.Updates == UpdateMode.Synchronous
            ? LearnRound(consumer, deadLetters, head, stoppingToken)
            : LearnSlices(consumer, deadLetters, stoppingToken);
    }

    /// <summary>Synchronous rounds: each owned partition the open round still lacks, from the round's version.</summary>
    private bool LearnRound(IConsumer<Ignore, byte[]> consumer, DeadLetterPublisher deadLetters, RoundHead head, CancellationToken stoppingToken)
    {
        var reported = ps.ReportedAsync(head.Version).GetAwaiter().GetResult();
        if (Superseded(head)) return true;
        var owed = consumer.Assignment.Select(p => p.Partition.Value).Where(p => !reported.Contains(p)).Order().ToList();
        if (owed.Count == 0)
        {
            Wait(consumer, options.PollInterval);
            return true;
        }
        if (WeightsOf(head) is not { } weights)
        {
            Wait(consumer, options.PollInterval); // superseded while we looked: read the head again
            return true;
        }
        var learnedAny = false;
        foreach (var partition in owed)
        {
            if (stoppingToken.IsCancellationRequested) return false;
            if (ReadSlice(consumer, deadLetters, head, partition, weights) is not { } update) continue;
            Push(consumer, deadLetters, update, () => ps.PushAsync(head.Version, update, _learner.Slots));
            learnedAny |= update.End > update.Start;
        }
        // Nothing new anywhere of ours: the round will likely close idle; do not spin on empty reads.
        if (!learnedAny) Wait(consumer, options.IdleWait);
        return true;
    }

    /// <summary>
    /// Asynchronous updates: each owned partition whose next slice is not already waiting to be applied, each from the
    /// newest version when it begins.
    /// </summary>
    private bool LearnSlices(IConsumer<Ignore, byte[]> consumer, DeadLetterPublisher deadLetters, CancellationToken stoppingToken)
    {
        var learnedAny = false;
        var pushedAny = false;
        foreach (var partition in _owned.Order().ToList())
        {
            if (stoppingToken.IsCancellationRequested) return false;
            if (ps.HeadAsync().GetAwaiter().GetResult() is not { } head) break;
            var pending = ps.PendingSlicesAsync().GetAwaiter().GetResult();
            if (Superseded(head)) continue;
            if (pending.Contains((partition, head.StartOf(partition)))) continue;
            if (WeightsOf(head) is not { } weights) break; // superseded while we looked: read the head again
            if (ReadSlice(consumer, deadLetters, head, partition, weights) is not { } update) continue;
            Push(consumer, deadLetters, update, () => ps.PushSliceAsync(update, _learner.Slots));
            pushedAny = true;
            learnedAny |= update.End > update.Start;
        }
        if (!learnedAny) Wait(consumer, pushedAny ? options.IdleWait : options.PollInterval);
        return true;
    }

    /// <summary>
    /// Whether the head moved on after <paramref name="head"/> was read. The parameter server moves the head before it
    /// deletes what the old one's round (or applied slices) left, so what was read after the head is only current if the
    /// head is still the same: otherwise a closed round would look unreported and its slices would be learned again.
    /// </summary>
    private bool Superseded(RoundHead head) => ps.HeadAsync().GetAwaiter().GetResult() is not { } now || now.Version != head.Version;

    private void Push(IConsumer<Ignore, byte[]> consumer, DeadLetterPublisher deadLetters, PartitionUpdate update, Func<Task<bool>> push)
    {
        // A committed slice's dead letters are delivered before its update counts: the next slice starts after them.
        while (!deadLetters.Flush(TimeSpan.FromSeconds(10)))
            logger.LogWarning("Worker of {Model}: dead letters still undelivered; waiting before pushing partition {Partition}", options.Model, update.Partition);
        var committed = push().GetAwaiter().GetResult();
        metrics.Updates.WithLabels(options.Model, committed ? "committed" : "superseded").Inc();
        if (committed) metrics.Learned.WithLabels(options.Model).Inc(update.Learned);
        CommitForLag(consumer, update.Partition, update.End);
    }

    /// <summary>The group's committed offsets are only for lag monitoring (and KEDA); the rounds' offsets are the truth.</summary>
    private void CommitForLag(IConsumer<Ignore, byte[]> consumer, int partition, long end)
    {
        try
        {
            consumer.Commit([new TopicPartitionOffset(Topics.TrainingExamples, partition, end)]);
        }
        catch (KafkaException e)
        {
            logger.LogDebug("Offset commit for lag monitoring failed: {Reason}", e.Error.Reason);
        }
    }

    private float[]? WeightsOf(RoundHead head)
    {
        if (_weightsVersion == head.Version) return _weights;
        _weights = ps.ReadWeightsAsync(head.Version, _learner.Slots).GetAwaiter().GetResult();
        _weightsVersion = _weights is null ? -1 : head.Version;
        return _weights;
    }

    /// <summary>Learns partition's slice of the round; null when the partition was revoked meanwhile.</summary>
    private PartitionUpdate? ReadSlice(IConsumer<Ignore, byte[]> consumer, DeadLetterPublisher deadLetters, RoundHead head, int partition, float[] weights)
    {
        var topicPartition = new TopicPartition(Topics.TrainingExamples, partition);
        var start = head.StartOf(partition);
        try
        {
            consumer.Resume([topicPartition]);
            _paused.Remove(partition);
            consumer.Seek(new TopicPartitionOffset(topicPartition, start));
        }
        catch (KafkaException e)
        {
            logger.LogDebug("Worker of {Model}: cannot seek partition {Partition} yet ({Reason})", options.Model, partition, e.Error.Reason);
            return null;
        }
        _learner.Begin(weights, head.Steps);
        long next = start, records = 0, skipped = 0;
        try
        {
            while (records < options.RoundExamples)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (!_owned.Contains(partition)) return null;
                // Records of other partitions fetched before they were paused, or of this one from before the seek.
                if (result is null || result.Partition.Value != partition || result.Offset.Value < next) continue;
                if (result.IsPartitionEOF) break;
                next = result.Offset.Value + 1;
                records++;
                if (!Learn(result, deadLetters)) skipped++;
            }
        }
        finally
        {
            if (_owned.Contains(partition)) Pause(consumer, partition);
        }
        return _learner.Finish(weights, partition, start, next, skipped);
    }

    private bool Learn(ConsumeResult<Ignore, byte[]> result, DeadLetterPublisher deadLetters)
    {
        var value = result.Message.Value ?? [];
        string reason, detail;
        if (RecordReader.Read(value, ContractsJsonContext.Default.TrainingExample, "a training example", out var problem) is not { } example)
            (reason, detail) = (problem!.Oversized ? RecordBounds.Oversized : "malformed_example", problem.Detail);
        else if (RecordBounds.TimeProblem(example.Time, result.Message.Timestamp.UnixTimestampMs) is { } badTime)
            (reason, detail) = (RecordBounds.TimeOutOfRange, badTime);
        else if (_learner.Learn(example) is { Learned: false } outcome)
            (reason, detail) = (outcome.Reason!, outcome.Detail ?? "");
        else
            return true;
        metrics.Skipped.WithLabels(options.Model, reason).Inc();
        deadLetters.Publish(Topics.TrainingExamples, reason, detail, value);
        return false;
    }

    /// <summary>Serves the group (rebalances, heartbeats) for up to <paramref name="wait"/>, keeping every owned partition paused between slices.</summary>
    private void Wait(IConsumer<Ignore, byte[]> consumer, TimeSpan wait)
    {
        consumer.Consume(wait); // every partition is paused: this returns nothing but runs the group's callbacks
        foreach (var partition in consumer.Assignment.Where(p => !_paused.Contains(p.Partition.Value)).ToList()) Pause(consumer, partition.Partition.Value);
        _paused.IntersectWith(consumer.Assignment.Select(p => p.Partition.Value));
        metrics.OwnedPartitions.WithLabels(options.Model).Set(consumer.Assignment.Count);
    }

    private void Pause(IConsumer<Ignore, byte[]> consumer, int partition)
    {
        consumer.Pause([new TopicPartition(Topics.TrainingExamples, partition)]);
        _paused.Add(partition);
    }

    private IConsumer<Ignore, byte[]> BuildConsumer()
    {
        var config = configs.Consumer("learner-workers-" + options.Model);
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.EnablePartitionEof = true;
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        // A slice reads to its partition's end; the default 500 ms long poll there made each slice wait for records not coming.
        config.FetchWaitMaxMs ??= 10;
        return new ConsumerBuilder<Ignore, byte[]>(config)
            // A partition is read from the round's offsets, never from the group's: start paused until a slice seeks it.
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                _owned.UnionWith(partitions.Select(p => p.Partition.Value));
                return partitions.Select(p => new TopicPartitionOffset(p, Offset.End)).ToList();
            })
            .SetPartitionsRevokedHandler((_, partitions) =>
            {
                _owned.ExceptWith(partitions.Select(p => p.Partition.Value));
                _paused.ExceptWith(partitions.Select(p => p.Partition.Value));
            })
            .SetErrorHandler((_, e) => logger.LogWarning("Worker consumer: {Reason} ({Code})", e.Reason, e.Code))
            .Build();
    }
}
