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
                    if (await CloseRoundAsync(head, stoppingToken) is not { } next)
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
        var version = head.Version + 1;
        var starts = head.Starts.ToDictionary();
        foreach (var update in updates) starts[update.Partition] = update.End;
        var snapshot = OnlineSnapshot.Of(_model, options.Model, version, clock.GetUtcNow(), starts);
        var manifest = await snapshot.SaveAsync(store, cancellationToken);
        await ps.WriteWeightsAsync(version, _model.Learner.Optimizer.Weights);
        var next = new RoundHead(version, _model.Learner.Optimizer.Steps, head.Partitions, starts, CaughtUp: false);
        await ps.SetHeadAsync(next);
        await ps.DeleteRoundAsync(head.Version);
        Announce(manifest);
        await store.PruneAsync(options.Model, options.RetainSnapshots, cancellationToken);
        metrics.Rounds.WithLabels(options.Model).Inc();
        metrics.Version.WithLabels(options.Model).Set(version);
        metrics.ProgressiveLoss.WithLabels(options.Model).Set(_model.Metrics.MeanLoss);
        logger.LogInformation("Parameter server for {Model}: v{Version} from {Learned:N0} examples over {Partitions} partitions ({Total:N0} in all), progressive loss {Loss:F4}",
            options.Model, version, learned, updates.Count, _model.Metrics.Count, _model.Metrics.MeanLoss);
        return next;
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
