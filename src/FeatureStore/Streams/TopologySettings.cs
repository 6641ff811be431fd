using Streaming.FeatureStore.Definitions;

namespace Streaming.FeatureStore.Streams;

/// <summary>What a feature topology is built from; its stateful processors get their part of it when Streamiz makes them.</summary>
/// <param name="Set">The views and the predicted event type.</param>
/// <param name="JoinHorizon">How long (event time) join pieces wait for the rest of their example.</param>
/// <param name="SkewAllowance">How far (event time) source partitions may drift apart in processing before windows close on the slower ones.</param>
/// <param name="Partitions">Partitions of the source topics; Streamiz gives every internal topic as many.</param>
/// <param name="Watermarks">How probes learn that every record before their time has arrived.</param>
public sealed record TopologySettings(FeatureSet Set, TimeSpan JoinHorizon, TimeSpan SkewAllowance, int Partitions, WatermarkSettings Watermarks);
