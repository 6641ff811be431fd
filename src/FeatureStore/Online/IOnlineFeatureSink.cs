using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Online;

/// <summary>Where the topology puts each entity's current window: the Redis online store in production.</summary>
public interface IOnlineFeatureSink
{
    /// <summary>Called on the stream thread for every change of an entity's current window; must not block for long.</summary>
    void Write(FeatureView view, string entity, long windowStartMs, long windowEndMs, FeatureAggregate aggregate);

    /// <summary>
    /// Blocks until every write handed over before the call has landed (or failed and been counted). The pipeline
    /// calls it before committing its input offsets (<see cref="Streams.OnlineWriteBarrier"/>).
    /// </summary>
    void WaitForWrites();
}
