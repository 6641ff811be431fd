using System.Collections.Concurrent;
using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Streams;

/// <summary>What a running topology's stateful processors need to know, found by application id.</summary>
public sealed record TopologySettings(FeatureSet Set, TimeSpan JoinHorizon);

/// <summary>
/// Streamiz builds each task's transformer with its parameterless constructor (it copies no state from
/// the instance it was given), so the processors cannot be handed their settings directly: they look
/// them up here by the application id their context reports.
/// </summary>
public static class TopologyRegistry
{
    private static readonly ConcurrentDictionary<string, TopologySettings> Settings = new();

    public static void Register(string applicationId, TopologySettings settings) => Settings[applicationId] = settings;

    public static TopologySettings For(string applicationId) =>
        Settings.TryGetValue(applicationId, out var settings)
            ? settings
            : throw new InvalidOperationException($"No feature topology was built for application '{applicationId}'.");
}
