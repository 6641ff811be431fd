using Streaming.FeatureStore.Streams;
using Streaming.Ingest.Replay;

namespace Streaming.Host.Web;

/// <summary>
/// Holds a replay back while the feature pipeline is behind. The embedded broker keeps only 5 MiB per
/// partition: a replay at full speed outruns the pipeline, its backlog overflows and the join loses
/// pieces. A real broker keeps the backlog; then this only paces the replay to what the pipeline sustains.
/// </summary>
internal sealed class FeaturePipelineBackpressure(FeatureStoreService features, ILogger<FeaturePipelineBackpressure> logger) : IReplayBackpressure
{
    /// <summary>Records the pipeline may be behind before the replay waits: well inside the embedded broker's retention.</summary>
    private const long MaxBacklog = 20_000;
    private bool _told;

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(100);
        while (!features.IsRunning || features.Backlog() > MaxBacklog)
        {
            if (!_told && waited > TimeSpan.FromSeconds(2))
            {
                logger.LogInformation("Replay paused while the feature pipeline catches up (more than {Max:N0} records behind); it resumes by itself.", MaxBacklog);
                _told = true;
            }
            await Task.Delay(step, cancellationToken);
            waited += step;
        }
    }
}
