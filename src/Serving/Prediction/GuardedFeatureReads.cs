using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;
using Streaming.FeatureStore.Online;
using Streaming.FeatureStore.Training;

namespace Streaming.Serving.Prediction;

/// <summary>
/// Online feature reads for serving, behind a timeout and a circuit breaker (Polly): a read that Redis does not
/// answer within <see cref="StoreGuardOptions.Timeout"/> fails, and once enough fail the breaker opens, so for
/// <see cref="StoreGuardOptions.BreakDuration"/> requests do not wait on Redis at all. Either way the request is
/// answered, with every view defaulted and flagged <see cref="SnapshotStatus.StoreUnavailable"/>.
/// </summary>
public sealed class GuardedFeatureReads
{
    private readonly OnlineFeatureReader _reader;
    private readonly ServingMetrics _metrics;
    private readonly ResiliencePipeline<IReadOnlyList<IReadOnlyList<ViewSnapshot>>> _pipeline;

    public GuardedFeatureReads(OnlineFeatureReader reader, ServingOptions options, ServingMetrics metrics, TimeProvider clock, ILogger<GuardedFeatureReads> logger)
    {
        _reader = reader;
        _metrics = metrics;
        var guard = options.Store;
        _pipeline = new ResiliencePipelineBuilder<IReadOnlyList<IReadOnlyList<ViewSnapshot>>> { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<IReadOnlyList<IReadOnlyList<ViewSnapshot>>>
            {
                ShouldHandle = new PredicateBuilder<IReadOnlyList<IReadOnlyList<ViewSnapshot>>>().Handle<RedisException>().Handle<TimeoutException>(),
                FailureRatio = guard.FailureRatio,
                MinimumThroughput = guard.MinimumThroughput,
                SamplingDuration = guard.SamplingDuration,
                BreakDuration = guard.BreakDuration,
                OnOpened = args =>
                {
                    metrics.StoreCircuitOpen.Set(1);
                    logger.LogWarning(args.Outcome.Exception,
                        "The online store is not answering: predictions are answered with defaults flagged store_unavailable, and Redis is tried again in {BreakDuration}. Check /readyz and Redis:Configuration",
                        args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    metrics.StoreCircuitOpen.Set(0);
                    logger.LogInformation("The online store answers again: predictions use stored features");
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(guard.Timeout)
            .Build();
    }

    /// <summary>One vector per query; store_unavailable defaults when Redis fails, is slow, or the breaker is open.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<ViewSnapshot>>> ReadAsync(IReadOnlyList<FeatureQuery> queries, TimeSpan futureTolerance)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (state, token) => await state.Reader.ReadAsync(state.Queries, state.Tolerance, token),
                (Reader: _reader, Queries: queries, Tolerance: futureTolerance));
        }
        catch (Exception e) when (e is BrokenCircuitException or TimeoutRejectedException or RedisException or TimeoutException)
        {
            _metrics.StoreUnavailable.WithLabels(e switch
            {
                BrokenCircuitException => "circuit_open",
                TimeoutRejectedException or TimeoutException => "timeout",
                _ => "error",
            }).Inc(queries.Count);
            return _reader.Unavailable(queries);
        }
    }
}
