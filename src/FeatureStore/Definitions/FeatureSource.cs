namespace Streaming.FeatureStore.Definitions;

/// <summary>The stream a feature view aggregates.</summary>
public enum FeatureSource
{
    /// <summary><see cref="Contracts.Topics.Events"/>: time is the event's time.</summary>
    Events,

    /// <summary><see cref="Contracts.Topics.Labels"/>: time is when the outcome became known, the value is the label's.</summary>
    Labels,
}
