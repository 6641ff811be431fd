using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.Learning;
using Streaming.Models.Store;
using Streaming.Platform.Kafka;

namespace Streaming.DataParallel;

/// <summary>
/// The parameter server: it closes each synchronous round once every partition of <see cref="Topics.TrainingExamples"/>
/// has committed its update, combines them into the next version, saves that version as a snapshot (whose offsets are
/// every partition's next start), writes its sharded weights and opens the next round. The snapshot is the source of
/// truth: the round in Redis is rebuilt from it on start and after any failure, so a parameter server or worker killed
/// at any point resumes to the same model, bit for bit.
/// </summary>
public sealed class ParameterServerService(
    DataParallelOptions options,
    ParameterServerStore ps,
    IModelStore store,
    KafkaClientConfigs configs,
    DataParallelMetrics metrics,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<ParameterServerService> logger) : BackgroundService
{
    private OnlineModel _model = null!;
    private IProducer<string?, byte[]>? _announcer;

    /// <summary>Set once the first round is open (for tests and readiness).</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var partitions = await PartitionCountAsync(stoppingToken);
            var head = await RestoreAsync(partitions, stoppingToken);
            Started.TrySetResult();
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var closed = options.Updates == UpdateMode.Synchronous
                        ? await CloseRoundAsync(head, stoppingToken)
                        : await ApplySlicesAsync(head, stoppingToken);
                    if (closed is not { } next)
                    {
                        await Task.Delay(options.PollInterval, stoppingToken);
                        continue;
                    }
                    head = next;
                    if (head.CaughtUp)
                    {
                        if (options.StopWhenCaughtUp)
                        {
                            logger.LogInformation("Parameter server for {Model}: caught up at v{Version}; stopping as configured", options.Model, head.Version);
                            lifetime.StopApplication();
                            return;
                        }
                        await Task.Delay(options.IdleWait, stoppingToken);
                    }
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    logger.LogWarning("Parameter server for {Model}: Redis failed ({Reason}); rebuilding the round from the newest snapshot in {Wait}",
                        options.Model, e.Message, options.IdleWait);
                    await Task.Delay(options.IdleWait, stoppingToken);
                    head = await RestoreAsync(partitions, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Parameter server for {Model} stopped: {Message}", options.Model, e.Message);
            Started.TrySetException(e);
            throw;
        }
    }

    /// <summary>Closes the open round when every partition has reported; null while some have not.</summary>
    private async Task<RoundHead?> CloseRoundAsync(RoundHead head, CancellationToken cancellationToken)
    {
        var reported = await ps.ReportedAsync(head.Version);
        if (reported.Count < head.Partitions) return null;
        var updates = await ps.ReadRoundAsync(head.Version, _model.Learner.Hasher.Slots);
        if (updates.All(u => u.End == u.Start))
        {
            await ps.ResetRoundAsync(head.Version);
            metrics.IdleRounds.WithLabels(options.Model).Inc();
            var idle = head with { CaughtUp = true };
            await ps.SetHeadAsync(idle);
            return idle;
        }
        var learned = RoundCombiner.Apply(_model, updates, options.Combine);
        var next = await PublishAsync(head, updates, cancellationToken);
        await ps.DeleteRoundAsync(head.Version);
        Report(next.Version, learned, updates.Count);
        return next;
    }

    private readonly HashSet<int> _emptyPartitions = [];

    /// <summary>
    /// Asynchronous updates: applies every committed slice that starts where its partition stands, whatever version it
    /// began from, into the next version. A slice that starts elsewhere was applied already (a redone slice, or one
    /// pushed before a restart rewound to the snapshot) and is discarded, so no example counts twice. Caught up once
    /// every partition has come back empty since the last example.
    /// </summary>
    private async Task<RoundHead?> ApplySlicesAsync(RoundHead head, CancellationToken cancellationToken)
    {
        var committed = await ps.ReadSlicesAsync(_model.Learner.Hasher.Slots);
        var slices = committed.Updates;
        if (slices.Count == 0) return null;
        var fresh = slices.Where(u => u.Start == head.StartOf(u.Partition) && u.End > u.Start).ToList();
        foreach (var empty in slices.Where(u => u.Start == head.StartOf(u.Partition) && u.End == u.Start)) _emptyPartitions.Add(empty.Partition);
        if (slices.Count > fresh.Count) metrics.DiscardedSlices.WithLabels(options.Model).Inc(slices.Count(u => u.Start != head.StartOf(u.Partition)));
        if (fresh.Count == 0)
        {
            await ps.DeleteSlicesAsync(committed);
            if (_emptyPartitions.Count < head.Partitions) return null;
            _emptyPartitions.Clear();
            metrics.IdleRounds.WithLabels(options.Model).Inc();
            var idle = head with { CaughtUp = true };
            await ps.SetHeadAsync(idle);
            return idle;
        }
        _emptyPartitions.Clear();
        var learned = RoundCombiner.ApplySlices(_model, fresh, options.Combine, head.Partitions);
        var next = await PublishAsync(head, fresh, cancellationToken);
        await ps.DeleteSlicesAsync(committed);
        if (head.Version > 0) await ps.DeleteWeightsAsync(head.Version - 1); // a worker still reading it starts over from the head
        Report(next.Version, learned, fresh.Count);
        return next;
    }

    /// <summary>The next version: its snapshot (whose offsets are the truth), its sharded weights, then the head that opens it.</summary>
    private async Task<RoundHead> PublishAsync(RoundHead head, IReadOnlyList<PartitionUpdate> applied, CancellationToken cancellationToken)
    {
        var version = head.Version + 1;
        var starts = head.Starts.ToDictionary();
        foreach (var update in applied) starts[update.Partition] = update.End;
        var snapshot = OnlineSnapshot.Of(_model, options.Model, version, clock.GetUtcNow(), starts);
        var manifest = await snapshot.SaveAsync(store, cancellationToken);
        await ps.WriteWeightsAsync(version, _model.Learner.Optimizer.Weights);
        var next = new RoundHead(version, _model.Learner.Optimizer.Steps, head.Partitions, starts, CaughtUp: false);
        await ps.SetHeadAsync(next);
        Announce(manifest);
        await store.PruneAsync(options.Model, options.RetainSnapshots, cancellationToken);
        return next;
    }

    private void Report(long version, long learned, int slices)
    {
        metrics.Rounds.WithLabels(options.Model).Inc();
        metrics.Version.WithLabels(options.Model).Set(version);
        metrics.ProgressiveLoss.WithLabels(options.Model).Set(_model.Metrics.MeanLoss);
        logger.LogInformation("Parameter server for {Model}: v{Version} from {Learned:N0} examples in {Slices} slices ({Total:N0} in all), progressive loss {Loss:F4}",
            options.Model, version, learned, slices, _model.Metrics.Count, _model.Metrics.MeanLoss);
    }

    /// <summary>The model and the open round from the newest snapshot (or version 0, zero weights, every partition from its start).</summary>
    private async Task<RoundHead> RestoreAsync(int partitions, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                _model = new OnlineModel(options.Spec, options.MetricsWindow);
                var latest = await store.LatestAsync(options.Model, cancellationToken);
                long version = 0;
                IReadOnlyDictionary<int, long> starts = new Dictionary<int, long>();
                if (latest is not null)
                {
                    var manifest = latest.Manifest;
                    if (manifest.FeatureSpecHash != _model.Learner.Hasher.SpecHash() || manifest.Algorithm != options.Spec.Algorithm)
                        throw new InvalidOperationException(
                            $"Snapshot {options.Model} v{manifest.Version} was trained as {manifest.Algorithm} with feature spec {manifest.FeatureSpecHash}; " +
                            $"the parameter server is configured as {options.Spec.Algorithm} with {_model.Learner.Hasher.SpecHash()}. Use a new DataParallel:Model name for a new model family.");
                    _model.LoadState(latest.Payload);
                    _model.Watermark = manifest.FeatureWatermark;
                    version = manifest.Version;
                    starts = manifest.Offsets;
                }
                await ps.WriteWeightsAsync(version, _model.Learner.Optimizer.Weights);
                var head = new RoundHead(version, _model.Learner.Optimizer.Steps, partitions, starts, CaughtUp: false);
                await ps.SetHeadAsync(head);
                metrics.Version.WithLabels(options.Model).Set(version);
                logger.LogInformation("Parameter server for {Model}: round of v{Version} open over {Partitions} partitions, starts {Starts}",
                    options.Model, version, partitions, string.Join(", ", Enumerable.Range(0, partitions).Select(p => $"[{p}]={head.StartOf(p)}")));
                return head;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogWarning("Parameter server for {Model}: cannot reach Redis ({Reason}); trying again in {Wait}", options.Model, e.Message, options.IdleWait);
                await Task.Delay(options.IdleWait, cancellationToken);
            }
        }
    }

    private async Task<int> PartitionCountAsync(CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(configs.Admin()).Build();
        while (true)
        {
            var topic = admin.GetMetadata(Topics.TrainingExamples, TimeSpan.FromSeconds(10)).Topics.SingleOrDefault();
            if (topic is { Error.IsError: false, Partitions.Count: > 0 }) return topic.Partitions.Count;
            logger.LogWarning("Parameter server: {Topic} has no partitions yet ({Reason}); waiting for it to be created", Topics.TrainingExamples, topic?.Error.Reason);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private void Announce(SnapshotManifest manifest)
    {
        _announcer ??= new ProducerBuilder<string?, byte[]>(configs.Producer()).Build();
        _announcer.Produce(Topics.ModelSnapshots, SnapshotAnnouncement.For(manifest), report =>
        {
            if (report.Error.IsError) logger.LogError("Could not announce {Model} v{Version}: {Error}", manifest.Model, manifest.Version, report.Error.Reason);
        });
    }

    public override void Dispose()
    {
        // DI disposes this twice (as itself and as a hosted service).
        var announcer = Interlocked.Exchange(ref _announcer, null);
        announcer?.Flush(TimeSpan.FromSeconds(10));
        announcer?.Dispose();
        base.Dispose();
    }
}
