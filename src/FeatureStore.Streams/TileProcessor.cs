using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Streaming.Contracts;
using Streaming.FeatureStore.Definitions;
using Streaming.FeatureStore.Tiles;
using Streaming.Platform.Kafka;
using Streamiz.Kafka.Net.Processors.Public;

namespace Streaming.FeatureStore.Streams;

/// <summary>What every tile processor shares: the views, where tiles go, where rejects go, how often to flush.</summary>
/// <param name="Watch">Where a partition's log starts, and whom to tell when records were deleted before they were folded; null: not watched.</param>
internal sealed record TileSettings(
    FeatureSet Set, string ApplicationId, ITileStore Store, IDeadLetterSink DeadLetters, FeatureMetrics Metrics, TimeSpan FlushInterval, ILogger Logger,
    LogStartWatch? Watch = null);

/// <summary>
/// How a tile processor learns that its consumer skipped records: librdkafka answers a position below the log start by
/// resetting to the earliest record, silently through Streamiz. A jump past the next offset is checked against the log
/// start (one query per jump; transaction markers make harmless jumps), and a real loss is reported.
/// </summary>
internal sealed record LogStartWatch(Func<string, int, long> LogStart, Action<LostRecords> Lost);

/// <summary>Offsets <paramref name="From"/> to <paramref name="To"/> of a source partition were deleted before the pipeline folded them.</summary>
internal sealed record LostRecords(string Topic, int Partition, long From, long To);

/// <summary>
/// Folds one source topic's records into tiles (<see cref="EntityTile"/>): per (view, entity), the panes of this
/// task's own partition, with no repartition. Lateness is judged on the source partition alone, against the newest
/// event time seen there. Every <see cref="TileSettings.FlushInterval"/> the changed tiles are sent to the online store
/// together with the partition's progress (the last offset folded in and its newest time), and Streamiz commits no
/// offset before they are there (<see cref="TileFlushStore"/>). A partition that resumes after a crash loads that progress and
/// skips the records up to it, so the tiles count each record exactly once; a tile it has not met yet since the
/// start is read back from the store on first use.
/// </summary>
/// <remarks>Streamiz's builder makes one throwaway processor with the parameterless constructor, then each task's with the arguments the topology gives.</remarks>
internal sealed class TileProcessor : IProcessor<string, byte[]>
{
    private static readonly TimeSpan MinimumPunctuation = TimeSpan.FromMilliseconds(10);
    private readonly TileSettings? _settings;
    private readonly string _topic = "";
    private readonly FeatureView[] _views = [];
    private readonly Dictionary<int, PartitionState> _partitions = [];
    private readonly Dictionary<(FeatureView View, string Entity, int Partition), EntityTile> _tiles = [];
    private readonly HashSet<(FeatureView View, string Entity, int Partition)> _dirty = [];
    private readonly Stopwatch _sinceFlush = Stopwatch.StartNew();
    private long _unflushedRecords;
    private InFlight? _inFlight;

    public TileProcessor()
    {
    }

    public TileProcessor(TileSettings settings, string topic)
    {
        _settings = settings;
        _topic = topic;
        var source = topic == Topics.Events ? FeatureSource.Events : FeatureSource.Labels;
        _views = [.. settings.Set.Views.Where(v => v.Source == source)];
    }

    private TileSettings Settings => _settings ?? throw new InvalidOperationException("A tile processor serves one topic: Processor<TileProcessor>(settings, topic).");

    public void Init(ProcessorContext<string, byte[]> context)
    {
        var store = (TileFlushStore)context.GetStateStore(TileFlushStore.StoreName(_topic));
        store.Flushing = () => Flush(wait: true);
        // Streamiz runs wall-clock punctuations from its loop, also when no record arrives: a quiet stream still flushes.
        // (Streamiz schedules no more often than every 10 ms; records flush on their own interval as they come.)
        context.Schedule(Settings.FlushInterval < MinimumPunctuation ? MinimumPunctuation : Settings.FlushInterval, PunctuationType.PROCESSING_TIME, _ => Flush(wait: false));
    }

    public void Process(Record<string, byte[]> record)
    {
        var settings = Settings;
        var partition = record.TopicPartitionOffset.Partition.Value;
        var offset = record.TopicPartitionOffset.Offset.Value;
        var state = Partition(partition);
        if (offset <= state.Offset)
        {
            settings.Metrics.Resumed.WithLabels(_topic).Inc(); // already in the store before a restart
            return;
        }
        if (settings.Watch is { } watch && state.Offset >= 0 && offset > state.Offset + 1 && watch.LogStart(_topic, partition) is var start && start > state.Offset + 1)
            watch.Lost(new LostRecords(_topic, partition, state.Offset + 1, start - 1));
        settings.Metrics.Received.WithLabels(_topic).Inc();
        try
        {
            Fold(state, partition, record.Value, record.Timestamp.UnixTimestampMs);
        }
        catch (Exception e) when (e is not RedisException)
        {
            // A record no check foresaw must not stop the stream thread (and every record behind it): dead-lettered.
            settings.Logger.LogError(e, "Folding {Topic}[{Partition}]@{Offset} failed; dead-lettered as {Reason}", _topic, partition, offset, ProcessingError);
            Reject(ProcessingError, e.Message, record.Value ?? []);
        }
        state.Offset = offset;
        state.Changed = true;
        _unflushedRecords++;
        if (_sinceFlush.Elapsed >= settings.FlushInterval) Flush(wait: false);
    }

    private void Fold(PartitionState state, int partition, byte[]? raw, long ingestMs)
    {
        var settings = Settings;
        var parsed = SourceRecord.Parse(_topic, raw, ingestMs);
        if (!parsed.IsValid)
        {
            Reject(parsed.Reason, parsed.Error, raw ?? []);
            return;
        }
        var timeMs = (parsed.Event?.Time ?? parsed.Label!.Time).ToUnixTimeMilliseconds();
        var newestBefore = state.NewestMs;
        state.NewestMs = Math.Max(state.NewestMs, timeMs);
        foreach (var view in _views)
        {
            string? entity;
            double? value;
            if (parsed.Event is { } entityEvent)
            {
                if (!ViewInputs.Feeds(view, entityEvent) || ViewInputs.EntityOf(view, entityEvent.Keys) is not { } e) continue;
                (entity, value) = (e, ViewInputs.ValueOf(view, entityEvent));
            }
            else
            {
                if (ViewInputs.EntityOf(view, parsed.Label!) is not { } e) continue;
                (entity, value) = (e, ViewInputs.ValueOf(view, parsed.Label!));
            }
            if (value is not { } number)
            {
                settings.Metrics.MissingField.WithLabels(view.Name).Inc();
                continue;
            }
            if (newestBefore != long.MinValue && timeMs < newestBefore - (long)view.Grace.TotalMilliseconds)
            {
                settings.Metrics.LateRecords.WithLabels(view.Name).Inc();
                Reject(FeatureTopology.LateReason,
                    $"{view.Name}: time {DateTimeOffset.FromUnixTimeMilliseconds(timeMs):O} is more than the grace {view.Grace} behind its partition's newest, {DateTimeOffset.FromUnixTimeMilliseconds(newestBefore):O}",
                    raw!);
                continue;
            }
            var key = (view, entity, partition);
            if (!_tiles.TryGetValue(key, out var tile))
                _tiles[key] = tile = (state.Resumed ? settings.Store.LoadTile(view, entity, new SourcePartition(_topic, partition)) : null) ?? new EntityTile();
            tile.Add(view, number, timeMs, ingestMs);
            _dirty.Add(key);
            settings.Metrics.Aggregated.WithLabels(view.Name).Inc();
        }
    }

    public const string ProcessingError = "processing_error";

    private void Reject(string reason, string? detail, byte[] value)
    {
        Settings.Metrics.DeadLettered.WithLabels(_topic, reason).Inc();
        Settings.DeadLetters.Publish(_topic, reason, detail, value);
    }

    private PartitionState Partition(int partition)
    {
        if (_partitions.TryGetValue(partition, out var state)) return state;
        var settings = Settings;
        var progress = Retrying(() => settings.Store.LoadProgress(settings.ApplicationId, new SourcePartition(_topic, partition)), "read the progress of");
        state = progress is { } p ? new PartitionState { Offset = p.Offset, NewestMs = p.NewestMs, Resumed = true } : new PartitionState();
        if (progress is not null)
            settings.Logger.LogInformation("Tiles of {Topic}[{Partition}] resume after offset {Offset}: the records up to it are in the online store", _topic, partition, state.Offset);
        return _partitions[partition] = state;
    }

    /// <summary>
    /// Delivers the dead letters, then sends the changed tiles and progress, and lets the stream go on while Redis
    /// applies them: one write is in flight at a time, and the next flush waits for it first. A commit's flush
    /// (<paramref name="wait"/>) also waits for its own: the offsets Streamiz commits next must not pass a record whose
    /// effect is not stored. A write that fails is sent again, the same bytes, until it lands: nothing is dropped, and
    /// while Redis or the broker is away the stream waits (its lag grows, visible in streaming_features_consumer_lag).
    /// </summary>
    private void Flush(bool wait)
    {
        Land();
        if (_unflushedRecords > 0 || _dirty.Count > 0)
        {
            var settings = Settings;
            while (!settings.DeadLetters.Flush(TimeSpan.FromSeconds(5)))
                settings.Logger.LogWarning("Dead letters of {Topic} are not being delivered; tiles wait for them. Check the broker.", _topic);
            var writes = _dirty.Select(k => TileWrite.Of(k.View, k.Entity, new SourcePartition(_topic, k.Partition), _tiles[k])).ToList();
            var progress = _partitions.Where(p => p.Value.Changed)
                .ToDictionary(p => new SourcePartition(_topic, p.Key), p => new PartitionProgress(p.Value.Offset, p.Value.NewestMs));
            var write = _inFlight = new InFlight(writes, progress, _unflushedRecords, Send(writes, progress));
            // Counted as stored the moment Redis has it, not at the next flush: whoever waits on streaming_features_stored
            // (the demo's replay holds its predictions to it) would otherwise wait a flush interval more per record.
            write.Sent!.ContinueWith(sent => { if (sent.IsCompletedSuccessfully) Count(write); }, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            foreach (var state in _partitions.Values) state.Changed = false;
            _dirty.Clear();
            _unflushedRecords = 0;
            _sinceFlush.Restart();
        }
        if (wait) Land();
    }

    private Task Send(List<TileWrite> writes, Dictionary<SourcePartition, PartitionProgress> progress)
    {
        try
        {
            return Settings.Store.WriteAsync(Settings.ApplicationId, writes, progress);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Task.FromException(e);
        }
    }

    /// <summary>Waits until the write in flight is in the store, sending it again while it fails, then counts it.</summary>
    private void Land()
    {
        if (_inFlight is not { } write) return;
        var settings = Settings;
        Retrying(() =>
        {
            var sent = write.Sent;
            write.Sent = null;
            (sent ?? Send(write.Tiles, write.Progress)).GetAwaiter().GetResult();
            return true;
        }, "write the tiles of");
        Count(write);
        _inFlight = null;
    }

    /// <summary>Counts a landed write once: from the first send's continuation, or here after a resend succeeded.</summary>
    private void Count(InFlight write)
    {
        if (Interlocked.Exchange(ref write.Counted, 1) == 1) return;
        var settings = Settings;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var tile in write.Tiles)
        {
            settings.Metrics.OnlineWrites.WithLabels(tile.View.Name).Inc();
            settings.Metrics.Freshness.WithLabels(tile.View.Name).Observe(Math.Max(0, now - tile.NewestIngestMs) / 1000.0);
        }
        settings.Metrics.Stored.WithLabels(_topic).Inc(write.Records);
    }

    private T Retrying<T>(Func<T> call, string what)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return call();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Settings.Metrics.OnlineWriteFailures.Inc();
                if (attempt == 1 || attempt % 30 == 0)
                    Settings.Logger.LogWarning(e, "Could not {What} {Topic} in Redis (attempt {Attempt}); the stream waits and retries every second. Check Redis.", what, _topic, attempt);
                Thread.Sleep(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>A write still in flight lands before the task goes: the partition's next owner reads the store.</summary>
    public void Close() => Land();

    /// <summary>A write sent and not yet known to be in the store.</summary>
    private sealed class InFlight(List<TileWrite> tiles, Dictionary<SourcePartition, PartitionProgress> progress, long records, Task sent)
    {
        public List<TileWrite> Tiles { get; } = tiles;
        public Dictionary<SourcePartition, PartitionProgress> Progress { get; } = progress;
        public long Records { get; } = records;

        /// <summary>The first send's task until it is waited for; null means send again.</summary>
        public Task? Sent { get; set; } = sent;

        /// <summary>1 once its records are counted as stored.</summary>
        public int Counted;
    }

    private sealed class PartitionState
    {
        public long Offset = -1;
        public long NewestMs = long.MinValue;
        public bool Changed;

        /// <summary>The store held progress for this partition: its tiles may be there too.</summary>
        public bool Resumed;
    }
}
