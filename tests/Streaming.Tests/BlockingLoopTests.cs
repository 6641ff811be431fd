using Streaming.Platform.Threading;

namespace Streaming.Tests;

public sealed class BlockingLoopTests
{
    [Fact]
    public async Task A_blocking_loop_runs_on_a_thread_of_its_own_not_the_pool()
    {
        var onPool = true;
        await BlockingLoop.Start(() => onPool = Thread.CurrentThread.IsThreadPoolThread, CancellationToken.None);
        Assert.False(onPool);
    }
}
