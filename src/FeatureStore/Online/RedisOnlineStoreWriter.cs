using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Online;

/// <summary>
/// Writes entities' current windows to Redis in pipelined batches. Updates queue up from the stream
/// thread (which waits when the queue is full: back-pressure, not loss); each batch keeps only the newest
/// window per key and sends all its writes in one round trip. A write never replaces a newer window with
/// an older one (checked in Redis, so it also holds across restarts), and values are whole aggregates,
/// not increments: replaying records after a restart rewrites the same values and never double-counts.
/// </summary>
public sealed class RedisOnlineStoreWriter : IOnlineFeatureSink, IAsyncDisposable
{
    // Only the newest window may land: a late record updating an older window must not overwrite it.
    private const string ConditionalWrite = """
        local current = redis.call('HGET', KEYS[1], 'window_start')
        if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
        for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly FeatureMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly Channel<Update> _queue;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stopping = new();
    private long _handedOver;
    private long _done;

    public RedisOnlineStoreWriter(IConnectionMultiplexer redis, FeatureMetrics metrics, ILogger<RedisOnlineStoreWriter> logger, int queueCapacity = 100_000, int maxBatch = 2_000)
    {
        _redis = redis;
        _metrics = metrics;
        _logger = logger;
        _maxBatch = maxBatch;
        _queue = Channel.CreateBounded<Update>(new BoundedChannelOptions(queueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Updates handed over and not yet acknowledged by Redis.</summary>
    public long Pending => Interlocked.Read(ref _handedOver) - Interlocked.Read(ref _done);

    public void Write(FeatureView view, string entity, long windowStartMs, long windowEndMs, FeatureAggregate aggregate)
    {
        var update = new Update(view, entity, windowStartMs, windowEndMs, aggregate);
        Interlocked.Increment(ref _handedOver);
        if (!_queue.Writer.TryWrite(update)) _queue.Writer.WriteAsync(update).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits for the updates handed over before the call, not for those other stream threads add meanwhile (the
    /// queue is written in order, so a count says which have landed). Returns at once once the writer has stopped.
    /// </summary>
    public void WaitForWrites()
    {
        var target = Interlocked.Read(ref _handedOver);
        while (Interlocked.Read(ref _done) < target && !_loop.IsCompleted) Thread.Sleep(1);
    }

    /// <summary>Waits until every update handed over so far is in Redis (or has failed and been counted).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (Pending > 0) await Task.Delay(5, cancellationToken);
    }

    private async Task RunAsync()
    {
        var script = LuaScript.Prepare(ConditionalWrite);
        var batch = new Dictionary<string, Update>();
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                var taken = 0;
                while (taken < _maxBatch && reader.TryRead(out var update))
                {
                    taken++;
                    var key = OnlineKeys.For(update.View.Name, update.Entity);
                    if (!batch.TryGetValue(key, out var queued) || queued.WindowStartMs <= update.WindowStartMs) batch[key] = update;
                }
                await WriteBatchAsync(script, batch);
                batch.Clear();
                Interlocked.Add(ref _done, taken);
                _metrics.WriterQueue.Set(Pending);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task WriteBatchAsync(LuaScript script, Dictionary<string, Update> updates)
    {
        var database = _redis.GetDatabase();
        var writtenAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var redisBatch = database.CreateBatch();
        var writes = new List<(Update Update, Task<RedisResult> Task)>(updates.Count);
        foreach (var (key, update) in updates)
            writes.Add((update, redisBatch.ScriptEvaluateAsync(script.ExecutableScript, [key], Arguments(update, writtenAt))));
        redisBatch.Execute();
        foreach (var (update, task) in writes)
        {
            try
            {
                await task;
                _metrics.OnlineWrites.WithLabels(update.View.Name).Inc();
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                _metrics.Freshness.WithLabels(update.View.Name).Observe(Math.Max(0, now - update.Aggregate.NewestIngestMs) / 1000.0);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _metrics.OnlineWriteFailures.WithLabels(update.View.Name).Inc();
                _logger.LogWarning(e, "Writing {View} for {Entity} to Redis failed; the entity's next update rewrites it. Check Redis health if this repeats.",
                    update.View.Name, update.Entity);
            }
        }
    }

    private static RedisValue[] Arguments(Update update, long writtenAtMs)
    {
        var view = update.View;
        var arguments = new List<RedisValue>(4 + 2 * (4 + view.Aggregations.Count))
        {
            update.WindowStartMs,
            (long)view.Ttl.TotalMilliseconds,
            OnlineKeys.WindowStart, update.WindowStartMs,
            OnlineKeys.WindowEnd, update.WindowEndMs,
            OnlineKeys.Watermark, update.Aggregate.MaxTimeMs,
            OnlineKeys.WrittenAt, writtenAtMs,
        };
        foreach (var aggregation in view.Aggregations)
        {
            if (update.Aggregate.Value(aggregation) is not { } value) continue;
            arguments.Add(aggregation.Name());
            arguments.Add(value.ToString("R", CultureInfo.InvariantCulture));
        }
        return [.. arguments];
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            await _stopping.CancelAsync();
        }
        _stopping.Dispose();
    }

    private sealed record Update(FeatureView View, string Entity, long WindowStartMs, long WindowEndMs, FeatureAggregate Aggregate);
}
