using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.Models.Store;
using Streaming.Platform.Kafka;
using Streaming.Platform.Threading;
using Streaming.Serving.Inference;
using Streaming.Serving.Status;

namespace Streaming.Serving.Models;

/// <summary>
/// Keeps each served model on the version it should serve: the pinned one when an operator pinned it
/// (shared in the model store, so every node follows), else the newest. Learns of new versions from
/// <see cref="Topics.ModelSnapshots"/> at once and from the store every <see cref="ServingOptions.PinPollInterval"/>
/// (which also catches pins and covers a Kafka outage). A version is loaded and warmed off the request path,
/// then swapped in; the old one is disposed when its last request ends.
/// </summary>
internal sealed class ModelFollower(
    ServingOptions options,
    IModelStore store,
    ModelRegistry registry,
    ExecutionDevice device,
    KafkaClientConfigs kafka,
    ServingMetrics metrics,
    VersionHistory history,
    TimeProvider clock,
    ILogger<ModelFollower> logger) : BackgroundService
{
    private readonly Dictionary<string, (string? Epoch, long Version)> _announced = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _failed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconcileNow = new(0);
    private readonly Lock _announcedLock = new();
    private string? _epoch;

    /// <summary>Makes this node look at the store now (after an admin pin on this node).</summary>
    public void ReconcileSoon() => _reconcileNow.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.Device.WithLabels(device.Name).Set(1);
        var listening = BlockingLoop.Start(() => FollowAnnouncements(stoppingToken), stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FollowEpochAsync(stoppingToken); // once per round, for every model
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Could not read the model store's epoch ({Reason}); is Redis reachable?", e.Message);
            }
            foreach (var model in registry.Names)
            {
                try
                {
                    await ReconcileAsync(model, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not check which version of {Model} to serve; still serving v{Version}. Is Redis reachable?",
                        model, registry.Peek(model)?.Version);
                }
            }
            try
            {
                await _reconcileNow.WaitAsync(options.PinPollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await listening.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>
    /// Notices a model store that was emptied or replaced (a new epoch): versions announced before it and versions
    /// that failed to load are forgotten, so the node takes the first version published after it instead of
    /// waiting for one the store no longer has. Until then it keeps serving what it has.
    /// </summary>
    private async Task FollowEpochAsync(CancellationToken cancellationToken)
    {
        var epoch = await store.EpochAsync(cancellationToken);
        lock (_announcedLock)
        {
            if (epoch == _epoch) return;
            if (_epoch is not null)
                logger.LogWarning("The model store is new (epoch {Old} → {New}: emptied or replaced); still serving {Versions} until versions are published to it",
                    _epoch, epoch, string.Join(", ", registry.Names.Select(m => $"{m} v{registry.Peek(m)?.Version}")));
            _epoch = epoch;
            _failed.Clear();
        }
    }

    private async Task ReconcileAsync(string model, CancellationToken cancellationToken)
    {
        var pin = await store.PinAsync(model, cancellationToken);
        metrics.Pinned.WithLabels(model).Set(pin is null ? 0 : 1);
        long? wanted = pin ?? Max(await store.LatestVersionAsync(model, cancellationToken), Announced(model));
        var current = registry.Peek(model);
        if (wanted is null && current is null && options.ColdStart) wanted = 0;
        if (wanted is not { } version || current?.Version == version) return;
        if (_failed.TryGetValue(model, out var failed) && failed == version) return; // logged once; wait for another version or pin
        var loading = System.Diagnostics.Stopwatch.StartNew();
        var loaded = await LoadAsync(model, version, cancellationToken);
        if (loaded is null)
        {
            _failed[model] = version;
            metrics.LoadFailures.WithLabels(model).Inc();
            return;
        }
        history.Record(loaded.Manifest);
        registry.Swap(model, loaded);
        metrics.Swaps.WithLabels(model).Inc();
        metrics.Version.WithLabels(model).Set(version);
        logger.LogInformation("Serving {Model} v{Version} on {Device}{Pinned}{Previous} (loaded and warmed in {Milliseconds:F0} ms)",
            model, version, device.Name, pin is null ? "" : " (pinned)", current is null ? "" : $", replacing v{current.Version}", loading.Elapsed.TotalMilliseconds);
    }

    /// <summary>Loads and warms a version; null (logged) when it cannot be served.</summary>
    private async Task<ServedModel?> LoadAsync(string model, long version, CancellationToken cancellationToken)
    {
        var snapshot = version == 0 ? ColdStart(model) : await store.LoadServableAsync(model, version, cancellationToken);
        if (snapshot is null)
        {
            logger.LogWarning("{Model} v{Version} is not in the model store (pruned, or never written); staying on v{Current}. Pin a stored version or wait for the next snapshot.",
                model, version, registry.Peek(model)?.Version);
            return null;
        }
        OnnxLinearScorer? scorer = null;
        try
        {
            scorer = new OnnxLinearScorer(snapshot.Onnx, device);
            var served = new ServedModel(snapshot.Manifest, scorer, clock.GetUtcNow());
            Warm(served);
            return served;
        }
        catch (Exception e) when (e is InvalidDataException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            scorer?.Dispose();
            logger.LogError(e, "{Model} v{Version} cannot be served; staying on v{Current}", model, version, registry.Peek(model)?.Version);
            return null;
        }
    }

    /// <summary>Version 0 of a model: the configured spec, zero weights, never stored.</summary>
    private ServableSnapshot ColdStart(string model)
    {
        var spec = options.ColdStartSpec ?? new Learning.LearnerSpec();
        var snapshot = OnlineSnapshot.Of(new Learning.OnlineModel(spec), model, 0, clock.GetUtcNow(), new Dictionary<int, long>());
        logger.LogInformation("{Model} has no snapshot yet: serving version 0 ({Algorithm} with zero weights) until the learner's first; its answers say \"coldStart\": true",
            model, spec.Algorithm);
        return new ServableSnapshot(snapshot.Manifest, snapshot.Onnx);
    }

    /// <summary>
    /// First calls allocate buffers and plan the graph for each input shape: pay for that here, with rows as wide
    /// as real ones (one and several per call), not in the first requests after the swap.
    /// </summary>
    private void Warm(ServedModel model)
    {
        var numbers = Enumerable.Range(0, 48).ToDictionary(i => $"x{i}", i => FieldValue.Of(i));
        var features = new Dictionary<string, IReadOnlyDictionary<string, FieldValue>> { ["warmup"] = numbers };
        var row = new Learning.Hashing.SparseVector();
        model.Hasher.Hash(features, row);
        var rows = Enumerable.Repeat(row, 16).ToArray();
        Span<double> scores = stackalloc double[rows.Length];
        for (var i = 0; i < options.WarmupCalls; i++)
        {
            model.Scorer.Score([row], model.Hasher.BiasSlot, scores[..1]);
            model.Scorer.Score(rows, model.Hasher.BiasSlot, scores);
        }
    }

    private void FollowAnnouncements(CancellationToken cancellationToken)
    {
        using var consumer = kafka.ReadFromBeginning(Topics.ModelSnapshots, "serving");
        using var rejects = new StatusRecordRejects(kafka, metrics, logger);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (consumer.Consume(cancellationToken) is not { Message: not null } result) continue;
                if (result.Message.Key is not { Length: > 0 } model)
                    rejects.Reject(result, MalformedAnnouncement, "no key: an announcement is keyed by its model's name");
                else if (registry.IsServed(model) && Read(result, rejects) is { } manifest)
                    Follow(model, manifest);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ConsumeException e)
            {
                logger.LogWarning("Reading {Topic} failed ({Reason}); new versions are still found in the model store every {Interval}",
                    Topics.ModelSnapshots, e.Error.Reason, options.PinPollInterval);
            }
        }
        consumer.Close();
    }

    private const string MalformedAnnouncement = "malformed_announcement";

    /// <summary>The announcement's manifest; null (dead-lettered) when it is not one of this model's.</summary>
    private static SnapshotManifest? Read(ConsumeResult<string?, byte[]> result, StatusRecordRejects rejects)
    {
        if (rejects.Read(result, ContractsJsonContext.Default.SnapshotManifest, MalformedAnnouncement, "a snapshot manifest") is not { } manifest) return null;
        var problem = manifest.Model != result.Message.Key ? $"it announces model '{manifest.Model}' under the key '{result.Message.Key}'"
            : manifest.Version < 1 ? $"version {manifest.Version}: versions count from 1"
            : null;
        if (problem is not null) rejects.Reject(result, MalformedAnnouncement, problem);
        else if (RecordBounds.TimeProblem(manifest.CreatedAt, result.Message.Timestamp.UnixTimestampMs) is { } time) rejects.Reject(result, RecordBounds.TimeOutOfRange, time);
        else return manifest;
        return null;
    }

    private void Follow(string model, SnapshotManifest manifest)
    {
        history.Record(manifest);
        lock (_announcedLock)
        {
            // A version's announcement counts within its store epoch only (Max compares versions of one store).
            if (!_announced.TryGetValue(model, out var seen) || seen.Epoch != manifest.StoreEpoch || manifest.Version > seen.Version)
                _announced[model] = (manifest.StoreEpoch, manifest.Version);
        }
        ReconcileSoon();
    }

    /// <summary>The newest version announced for the store's current epoch.</summary>
    private long? Announced(string model)
    {
        lock (_announcedLock) return _announced.TryGetValue(model, out var seen) && seen.Epoch == _epoch ? seen.Version : null;
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
