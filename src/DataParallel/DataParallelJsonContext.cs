using System.Text.Json.Serialization;

namespace Streaming.DataParallel;

[JsonSerializable(typeof(RoundHead))]
[JsonSerializable(typeof(PartitionReport))]
internal sealed partial class DataParallelJsonContext : JsonSerializerContext;
