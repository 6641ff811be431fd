using Confluent.Kafka;
using Streaming.Contracts;
using Streaming.Ingest.Replay;
using Streaming.OnlineLearner;
using Streaming.Platform.Kafka;

namespace Streaming.Host.Web;

/// <summary>
/// Holds a replay back while the learner is behind on training-examples. The embedded broker keeps only 5 MiB per
/// partition, and training-examples has one: an example the learner has not read when its retention passes is gone
/// (the learner then stops and says so). With a real broker this only paces the replay to the learner.
/// </summary>
internal sealed class LearnerBackpressure(LearnerService learner, KafkaClientConfigs configs) : IReplayBackpressure, IDisposable
{
    /// <summary>Examples the learner may be behind before the replay waits: a few MiB of them, inside the embedded broker's retention.</summary>
    private const long MaxBehind = 4_000;

    // One consumer for the end-offset queries: building a client per check cost more than the check.
    private readonly Lazy<IConsumer<Ignore, Ignore>> _offsets = new(() => new ConsumerBuilder<Ignore, Ignore>(configs.Consumer("learner-backpressure")).Build());

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        while (End() - learner.Progress.Position > MaxBehind) await Task.Delay(20, cancellationToken);
    }

    // training-examples has one partition (Topics.All): the learner is sequential.
    private long End() => _offsets.Value.QueryWatermarkOffsets(new TopicPartition(Topics.TrainingExamples, 0), TimeSpan.FromSeconds(5)).High.Value;

    public void Dispose()
    {
        if (_offsets.IsValueCreated) _offsets.Value.Dispose();
    }
}
