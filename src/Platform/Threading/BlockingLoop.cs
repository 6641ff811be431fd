namespace Streaming.Platform.Threading;

/// <summary>
/// Starts a loop that blocks (a Kafka consumer waiting in Consume) on a thread of its own. On a thread-pool
/// thread it would hold one of the few the pool keeps ready (as many as cores: two here), and requests queued
/// behind it would wait for the pool to notice the starvation and add threads (about one per half second).
/// </summary>
public static class BlockingLoop
{
    public static Task Start(Action loop, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(loop, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
