using System.Text.Json.Serialization;

namespace Streaming.Learning;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LearnerSpec))]
public sealed partial class LearningJsonContext : JsonSerializerContext;
