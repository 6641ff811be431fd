using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Streaming.OnlineLearner;

namespace Streaming.Tests.Support;

/// <summary>Lets a host's learner learn what was published, then stops it the way Ctrl+C would.</summary>
public static class LearnerRun
{
    /// <summary>Waits until the learner has learned <paramref name="examples"/> (or a minute has passed), then stops it and waits for its final snapshot.</summary>
    public static async Task LearnThenStopAsync(this RunningHost host, long examples)
    {
        var learner = host.Services.GetRequiredService<LearnerService>();
        await learner.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (MetricsText.Sum(await host.MetricsAsync(), "streaming_learner_examples_total") < examples && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await learner.StopAsync(CancellationToken.None);
    }
}
