using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.Drift;
using Streaming.Drift.DataDrift;
using Streaming.Learning;
using Streaming.Models.Store;
using Streaming.Platform.Kafka;
using Streaming.Platform.Threading;

namespace Streaming.OnlineLearner;

/// <summary>
/// The micro-batch loop: consume <see cref="Topics.TrainingExamples"/> in a consumer group, learn each
/// micro-batch in order (predict before learn), and every N examples or T seconds save a snapshot with
/// the next offset of every partition, announce it on <see cref="Topics.ModelSnapshots"/> and prune old
/// ones. On start it loads the newest snapshot and seeks to its offsets, so no example is learned twice
/// or skipped: a killed learner resumes to the same weights, bit for bit. Offsets committed to the group
/// are only for lag monitoring; the snapshot is the source of truth.
/// </summary>
public sealed class LearnerService(
    LearnerOptions options,
    IModelStore store,
    KafkaClientConfigs configs,
    LearnerMetrics metrics,
    DriftOptions driftOptions,
    DriftAlertSink driftAlerts,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<LearnerService> logger) : BackgroundService
{
    private const string Source = "learner";
    private readonly Dictionary<int, long> _offsets = [];
    private readonly Dictionary<int, long> _learnFrom = [];
    private readonly RecentIds _recent = new(options.DedupWindow);
    private LearnerProgress _progress = new(0, double.NaN, 0, 0, 0, 0);
    private long _servedExamples, _duplicates;
    private double _servedLossSum;
    private OnlineModel _model = null!;
    private long _version;
    private bool _dirty;
    private int _learnedSinceSnapshot;
    private readonly ConceptDriftMonitor _drift = new(driftOptions);
    private readonly ReferenceProfiler _reference = new();
    private readonly Polly.ResiliencePipeline _saveRetry = SnapshotRetry.Build(options.Model, "save a snapshot", metrics, clock, logger);
    private readonly Polly.ResiliencePipeline _loadRetry = SnapshotRetry.Build(options.Model, "load the newest snapshot", metrics, clock, logger);

    /// <summary>How long a snapshot on the way out (stop, partitions revoked) may wait for the store.</summary>
    private static readonly TimeSpan LastSnapshotWait = TimeSpan.FromSeconds(10);

    /// <summary>How far the learner has got, as of its last micro-batch (readable from any thread).</summary>
    public LearnerProgress Progress => Volatile.Read(ref _progress);

    /// <summary>The model this learner learns (Learner:Model, or one of Learner:Also).</summary>
    public string Model => options.Model;

    /// <summary>Set once the loop has loaded its model and starts consuming (for tests and readiness).</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => BlockingLoop.Start(() => Run(stoppingToken), stoppingToken);

    /// <summary>The learner's loop, on a thread of its own: it blocks in Consume, and waits there for its few async steps.</summary>
    private void Run(CancellationToken stoppingToken)
    {
        try
        {
            LoadAsync(stoppingToken).GetAwaiter().GetResult();
            using var producer = new ProducerBuilder<string?, byte[]>(ProducerConfig()).Build();
            using var consumer = BuildConsumer(producer);
            consumer.Subscribe(Topics.TrainingExamples);
            Started.TrySetResult();
            Loop(consumer, producer, stoppingToken);
            consumer.Close();
            producer.Flush(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Learner for {Model} stopped: {Message}", options.Model, e.Message);
            Started.TrySetException(e);
            throw;
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        _model = new OnlineModel(options.Spec, options.MetricsWindow);
        var latest = await _loadRetry.ExecuteAsync(token => new ValueTask<StoredSnapshot?>(store.LatestAsync(options.Model, token)), cancellationToken);
        if (latest is null)
        {
            logger.LogInformation("Learner for {Model}: no snapshot yet, starting from the beginning of {Topic}", options.Model, Topics.TrainingExamples);
            return;
        }
        var manifest = latest.Manifest;
        if (manifest.FeatureSpecHash != _model.Learner.Hasher.SpecHash() || manifest.Algorithm != options.Spec.Algorithm)
            throw new InvalidOperationException(
                $"Snapshot {options.Model} v{manifest.Version} was trained as {manifest.Algorithm} with feature spec {manifest.FeatureSpecHash}; " +
                $"this learner is configured as {options.Spec.Algorithm} with {_model.Learner.Hasher.SpecHash()}. Use a new Learner:Model name for a new model family.");
        _model.LoadState(latest.Payload);
        _model.Watermark = manifest.FeatureWatermark;
        _version = manifest.Version;
        foreach (var (partition, offset) in manifest.Offsets) _offsets[partition] = offset;
        metrics.Version.WithLabels(options.Model).Set(_version);
        logger.LogInformation("Learner for {Model}: resumed from snapshot v{Version} ({Examples:N0} examples learned), offsets {Offsets}",
            options.Model, _version, manifest.Metrics.Examples, string.Join(", ", _offsets.Select(o => $"[{o.Key}]={o.Value}")));
    }

    private IConsumer<Ignore, byte[]> BuildConsumer(IProducer<string?, byte[]> producer)
    {
        var config = configs.Consumer("learner-" + options.Model);
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.EnablePartitionEof = true;
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        // A restarted learner gets the partitions once the crashed member's session (Kafka:GroupSessionTimeout)
        // expired; the group also keeps a second learner of the same model idle as a standby.
        return new ConsumerBuilder<Ignore, byte[]>(config)
            .SetPartitionsAssignedHandler((_, partitions) => partitions.Select(p =>
                {
                    if (!_offsets.TryGetValue(p.Partition.Value, out var next)) return new TopicPartitionOffset(p, Offset.Beginning);
                    // Read the examples just before the snapshot again, only to remember their ids (see Learner:DedupWindow).
                    _learnFrom[p.Partition.Value] = next;
                    return new TopicPartitionOffset(p, new Offset(Math.Max(0, next - options.DedupWindow)));
                }).ToList())
            .SetPartitionsRevokedHandler((consumer, _) =>
            {
                // Another member takes over from our snapshot: give it the latest one.
                if (_dirty) LastSnapshot(consumer, producer);
            })
            .SetErrorHandler((_, e) => logger.LogWarning("Learner consumer: {Reason} ({Code})", e.Reason, e.Code))
            .Build();
    }

    private ProducerConfig ProducerConfig()
    {
        var config = configs.Producer();
        config.EnableIdempotence = true;
        config.LingerMs = 5;
        return config;
    }

    private void Loop(IConsumer<Ignore, byte[]> consumer, IProducer<string?, byte[]> producer, CancellationToken stoppingToken)
    {
        var sinceSnapshot = Stopwatch.StartNew();
        var sincePublish = Stopwatch.StartNew();
        var atEnd = new HashSet<int>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var consumed = ConsumeBatch(consumer, producer, atEnd, stoppingToken);
            if (sincePublish.Elapsed > TimeSpan.FromSeconds(1))
            {
                metrics.Publish(options.Model, _version + 1, _model.Metrics.Snapshot(), _model.Watermark);
                sincePublish.Restart();
            }
            if (_learnedSinceSnapshot >= options.SnapshotEveryExamples || (_dirty && sinceSnapshot.Elapsed >= options.SnapshotEvery))
            {
                SnapshotAsync(consumer, producer, stoppingToken).GetAwaiter().GetResult();
                sinceSnapshot.Restart();
            }
            var caughtUp = consumed == 0 && consumer.Assignment.Count > 0 && consumer.Assignment.All(p => atEnd.Contains(p.Partition.Value));
            if (options.StopWhenCaughtUp && caughtUp)
            {
                if (_dirty) SnapshotAsync(consumer, producer, stoppingToken).GetAwaiter().GetResult();
                logger.LogInformation("Learner for {Model}: caught up at offsets {Offsets}; stopping as configured", options.Model,
                    string.Join(", ", _offsets.Select(o => $"[{o.Key}]={o.Value}")));
                lifetime.StopApplication();
                return;
            }
        }
        // Stopping (Ctrl+C, SIGTERM): keep what was learned since the last snapshot.
        if (_dirty) LastSnapshot(consumer, producer);
    }

    /// <summary>A snapshot on the way out, waiting a bounded time for the store: without it the next owner relearns from the one before.</summary>
    private void LastSnapshot(IConsumer<Ignore, byte[]> consumer, IProducer<string?, byte[]> producer)
    {
        using var wait = new CancellationTokenSource(LastSnapshotWait);
        try
        {
            SnapshotAsync(consumer, producer, wait.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("The model store did not take the last snapshot of {Model} within {Wait}: it resumes from v{Version} and learns the examples since then again (none is lost or learned twice)",
                options.Model, LastSnapshotWait, _version);
        }
    }

    /// <summary>Consumes and learns one micro-batch; returns how many records it consumed.</summary>
    private int ConsumeBatch(IConsumer<Ignore, byte[]> consumer, IProducer<string?, byte[]> producer, HashSet<int> atEnd, CancellationToken stoppingToken)
    {
        var consumed = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(options.BatchMaxWait.TotalSeconds * Stopwatch.Frequency);
        while (consumed < options.BatchSize && !stoppingToken.IsCancellationRequested)
        {
            var remaining = TimeSpan.FromSeconds((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            if (remaining <= TimeSpan.Zero) break;
            var result = consumer.Consume(remaining < TimeSpan.FromMilliseconds(100) ? remaining : TimeSpan.FromMilliseconds(100));
            if (result is null) continue;
            var partition = result.Partition.Value;
            if (result.IsPartitionEOF)
            {
                atEnd.Add(partition);
                if (consumer.Assignment.All(p => atEnd.Contains(p.Partition.Value))) break;
                continue;
            }
            atEnd.Remove(partition);
            consumed++;
            CheckContinuity(consumer, result);
            if (_learnFrom.TryGetValue(partition, out var from) && result.Offset.Value < from)
            {
                Remember(result.Message.Value);
                continue;
            }
            _offsets[partition] = result.Offset.Value + 1;
            _dirty = true;
            Learn(result.Message.Value, result.Message.Timestamp.UnixTimestampMs, producer);
        }
        Volatile.Write(ref _progress, new LearnerProgress(_model.Metrics.Count, _model.Metrics.MeanLoss, _servedExamples, _servedLossSum, _duplicates, _offsets.Values.Sum()));
        return consumed;
    }

    /// <summary>
    /// A record after a gap is either after a transaction marker or after records the broker no longer has (its
    /// retention passed them: the embedded broker keeps only 5 MiB per partition). The second is a loss: fail loudly
    /// rather than learn on as if nothing was missing.
    /// </summary>
    private void CheckContinuity(IConsumer<Ignore, byte[]> consumer, ConsumeResult<Ignore, byte[]> result)
    {
        var partition = result.Partition.Value;
        // A learner with no position yet starts where the log starts, whatever came before.
        if (!_offsets.TryGetValue(partition, out var expected) || result.Offset.Value <= expected) return;
        var logStart = consumer.QueryWatermarkOffsets(result.TopicPartition, TimeSpan.FromSeconds(5)).Low.Value;
        if (logStart <= expected) return;
        throw new InvalidOperationException(
            $"{Topics.TrainingExamples}[{partition}] starts at offset {logStart:N0} but the learner was at {expected:N0}: {logStart - expected:N0} examples " +
            "were deleted by the broker's retention before they were learned. Keep the learner up with the pipeline (or give the topic more retention), " +
            "then start it again; it resumes from its last snapshot.");
    }

    /// <summary>An example learned before the snapshot: its id only, so that a repeat after it is recognised.</summary>
    private void Remember(byte[]? value)
    {
        if (value is not { Length: > 0 }) return;
        try
        {
            if (JsonSerializer.Deserialize(value, ContractsJsonContext.Default.TrainingExample)?.Id is { } id) _recent.Add(id);
        }
        catch (Exception e) when (UnreadableRecord.Is(e))
        {
            // It was dead-lettered when first read.
        }
    }

    private void Learn(byte[]? record, long arrivalMs, IProducer<string?, byte[]> producer)
    {
        var value = record ?? [];
        if (RecordReader.Read(value, ContractsJsonContext.Default.TrainingExample, "a training example", out var problem) is not { } example)
        {
            DeadLetterExample(producer, value, problem!.Oversized ? RecordBounds.Oversized : "malformed_example", problem.Detail);
            return;
        }
        if (RecordBounds.TimeProblem(example.Time, arrivalMs) is { } badTime)
        {
            DeadLetterExample(producer, value, RecordBounds.TimeOutOfRange, badTime);
            return;
        }
        if (example.Id is { } id && !_recent.Add(id))
        {
            _duplicates++;
            metrics.Duplicates.WithLabels(options.Model).Inc();
            return;
        }
        var outcome = _model.Process(example);
        if (outcome.Learned)
        {
            _learnedSinceSnapshot++;
            metrics.Learned.WithLabels(options.Model).Inc();
            WatchForDrift(example, outcome, producer);
        }
        else
        {
            DeadLetterExample(producer, value, outcome.Reason!, outcome.Detail);
        }
    }

    /// <summary>
    /// Concept drift on the progressive loss of the version being learned and, for examples of logged predictions,
    /// on the loss of what was served; the learned features go into the next snapshot's reference profile.
    /// </summary>
    private void WatchForDrift(TrainingExample example, ExampleOutcome outcome, IProducer<string?, byte[]> producer)
    {
        _reference.Add(example.Features, outcome.Prediction);
        var now = clock.GetUtcNow();
        var opened = false;
        foreach (var alert in _drift.Observe(options.Model, _version + 1, "progressive_loss", outcome.Loss, now))
        {
            driftAlerts.Publish(producer, alert);
            opened |= alert.State == DriftAlert.Open;
        }
        if (opened && options.OnConceptDrift == ConceptDriftAction.Boost && _drift.IsConfirmed(options.Model, "progressive_loss"))
        {
            // Once per confirmation: the second detector's alert has just opened beside the first's.
            _model.Learner.Optimizer.Boost(options.DriftBoostFactor);
            metrics.DriftBoosts.WithLabels(options.Model).Inc();
            logger.LogWarning("Confirmed concept drift on {Model}: learning rate raised {Factor}× (Learner:OnConceptDrift=boost)", options.Model, options.DriftBoostFactor);
        }
        if (ServedByThisModel(example) is not var (served, servedVersionText)) return;
        var loss = _model.Learner.Loss;
        // The margin that gives the served score (the inverse of the logistic link), so the loss is the model's own.
        var probability = Math.Clamp(served, 1e-12, 1 - 1e-12);
        var margin = loss.IsClassification ? Math.Log(probability / (1 - probability)) : served;
        long? servedVersion = long.TryParse(servedVersionText, out var v) ? v : null;
        var servedLoss = loss.Loss(margin, outcome.Target);
        _servedExamples++;
        _servedLossSum += servedLoss;
        metrics.ServedLoss.WithLabels(options.Model).Inc(servedLoss);
        metrics.ServedExamples.WithLabels(options.Model).Inc();
        foreach (var alert in _drift.Observe(options.Model, servedVersion, "served_loss", servedLoss, now)) driftAlerts.Publish(producer, alert);
    }

    /// <summary>
    /// What this learner's model scored for an example's logged prediction: the answer when it answered (examples from
    /// before rollouts name no model), its shadow score when it was a shadow; null when another model answered. So the
    /// served loss of each arm of a rollout is its own, judged on the same labels.
    /// </summary>
    private (double Score, string? Version)? ServedByThisModel(TrainingExample example)
    {
        if (example.ServedScore is { } served && (example.ServedModel is null || example.ServedModel == options.Model)) return (served, example.ServedVersion);
        return example.Shadows?.FirstOrDefault(s => s.Model == options.Model) is { } shadow ? (shadow.Score, shadow.Version) : null;
    }

    private void DeadLetterExample(IProducer<string?, byte[]> producer, byte[] value, string reason, string? detail)
    {
        metrics.Skipped.WithLabels(options.Model, reason).Inc();
        producer.Produce(Topics.DeadLetter, new Message<string?, byte[]>
        {
            Value = DeadLetter.Value(value),
            Headers = DeadLetter.Headers(reason, detail, Topics.TrainingExamples, Source, clock.GetUtcNow(), value.Length),
        }, report =>
        {
            if (report.Error.IsError) logger.LogError("Could not dead-letter a skipped example ({Reason}): {Error}", reason, report.Error.Reason);
        });
    }

    private async Task SnapshotAsync(IConsumer<Ignore, byte[]> consumer, IProducer<string?, byte[]> producer, CancellationToken cancellationToken)
    {
        var snapshot = OnlineSnapshot.Of(_model, options.Model, _version + 1, clock.GetUtcNow(), new Dictionary<int, long>(_offsets), _reference.Build());
        var manifest = await _saveRetry.ExecuteAsync(async token => await snapshot.SaveAsync(store, token), cancellationToken);
        var modelMetrics = manifest.Metrics;
        _version = manifest.Version;
        _dirty = false;
        _learnedSinceSnapshot = 0;

        producer.Produce(Topics.ModelSnapshots, SnapshotAnnouncement.For(manifest), report =>
        {
            if (report.Error.IsError) logger.LogError("Could not announce {Model} v{Version}: {Error}", manifest.Model, manifest.Version, report.Error.Reason);
        });
        try
        {
            consumer.Commit(_offsets.Select(o => new TopicPartitionOffset(Topics.TrainingExamples, o.Key, o.Value)));
        }
        catch (KafkaException e)
        {
            logger.LogDebug("Offset commit for lag monitoring failed: {Reason}", e.Error.Reason);
        }
        try
        {
            await store.PruneAsync(options.Model, options.RetainSnapshots, cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogWarning("Could not prune old snapshots of {Model} ({Reason}); the next snapshot tries again", options.Model, e.Message);
        }
        metrics.Snapshots.WithLabels(options.Model).Inc();
        metrics.Version.WithLabels(options.Model).Set(_version);
        metrics.Publish(options.Model, _version + 1, modelMetrics, _model.Watermark);
        logger.LogInformation("Snapshot {Model} v{Version}: {Examples:N0} examples, recent loss {Loss:F4}, recent accuracy {Accuracy:P1}, watermark {Watermark:O}",
            options.Model, _version, modelMetrics.Examples, modelMetrics.WindowMeanLoss, modelMetrics.WindowAccuracy, _model.Watermark);
    }
}

/// <summary>
/// The learner's running figures: examples learned and their mean progressive loss (each predicted before learned),
/// the examples of logged predictions and the summed loss of what serving answered for them, and repeats dropped.
/// Served loss counts from this process's start; the progressive loss from the model's.
/// </summary>
/// <param name="Position">The next offset to read, summed over the partitions: with the topic's end offsets, how far behind the learner is.</param>
public sealed record LearnerProgress(long Examples, double ProgressiveLoss, long ServedExamples, double ServedLossSum, long Duplicates, long Position)
{
    public double ServedLoss => ServedExamples == 0 ? double.NaN : ServedLossSum / ServedExamples;
}
