using System.Text.Json.Serialization;

namespace Streaming.Contracts;

/// <summary>Source-generated System.Text.Json metadata for every contract: camelCase on the wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // A NaN label value is written as "NaN" rather than thrown, so ingest rejects it with its reason.
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(EntityEvent))]
[JsonSerializable(typeof(Label))]
[JsonSerializable(typeof(PredictionLog))]
[JsonSerializable(typeof(TrainingExample))]
[JsonSerializable(typeof(SnapshotManifest))]
[JsonSerializable(typeof(DriftAlert))]
[JsonSerializable(typeof(Rollout))]
[JsonSerializable(typeof(RolloutDecision))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
