using System.Text.Json.Serialization;
using Streaming.FeatureStore.Training;

namespace Streaming.FeatureStore;

/// <summary>Source-generated JSON for the feature store's internal records (join pieces and their state).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(JoinPart))]
[JsonSerializable(typeof(PendingExample))]
public sealed partial class FeatureStoreJsonContext : JsonSerializerContext;
