using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace Streaming.OnlineLearner;

/// <summary>
/// Model store calls retried until the store answers (Polly, exponential backoff up to 5 s): while Redis is
/// away the learner waits rather than stops, and since offsets live in the snapshot nothing is committed meanwhile.
/// </summary>
internal static class SnapshotRetry
{
    /// <param name="doing">What is retried, for the log: "save a snapshot", "load the newest snapshot".</param>
    public static ResiliencePipeline Build(string model, string doing, LearnerMetrics metrics, TimeProvider clock, ILogger logger) =>
        new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                UseJitter = true,
                OnRetry = args =>
                {
                    metrics.SnapshotRetries.WithLabels(model).Inc();
                    logger.LogWarning("Could not {Doing} of {Model} ({Reason}); attempt {Attempt} in {Delay}. Learning waits and nothing is committed meanwhile: check Redis (/readyz)",
                        doing, model, args.Outcome.Exception?.Message, args.AttemptNumber + 2, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}
