namespace Streaming.Platform.Threading;

/// <summary>
/// Starts a loop that blocks (a Kafka consumer waiting in Consume) on a thread of its own. On a thread-pool
/// thread it would hold one of the few the pool keeps ready (as many as cores), and requests queued
/// behind it would wait for the pool to notice the starvation and add threads (about one per half second).
/// The few async steps such a loop takes (a snapshot, a file write) are waited for on its thread: there is no
/// synchronization context there, so the wait cannot deadlock, and the loop never lands on a pool thread.
/// </summary>
public static class BlockingLoop
{
    public static Task Start(Action loop, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(loop, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
