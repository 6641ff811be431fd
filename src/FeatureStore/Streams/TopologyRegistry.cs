using System.Collections.Concurrent;
using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Streams;

/// <summary>What a feature topology is built from; its stateful processors find it by application id.</summary>
/// <param name="Set">The views and the predicted event type.</param>
/// <param name="JoinHorizon">How long (event time) join pieces wait for the rest of their example.</param>
/// <param name="SkewAllowance">How far (event time) source partitions may drift apart in processing before windows close on the slower ones.</param>
/// <param name="Partitions">Partitions of the source topics; Streamiz gives every internal topic as many.</param>
/// <param name="Watermarks">How probes learn that every record before their time has arrived.</param>
public sealed record TopologySettings(FeatureSet Set, TimeSpan JoinHorizon, TimeSpan SkewAllowance, int Partitions, WatermarkSettings Watermarks);

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
