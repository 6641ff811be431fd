using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Compact binary through the type's own encoding: aggregates, view inputs and the probe readers' values are read and
/// rewritten on every record, so their encoding is on the hot path.
/// </summary>
internal sealed class BinarySerDes<T>(Func<T, byte[]> serialize, Func<byte[], T> deserialize) : AbstractSerDes<T>
{
    public override byte[] Serialize(T data, SerializationContext context) => serialize(data);

    public override T Deserialize(byte[] data, SerializationContext context) => deserialize(data);
}

/// <summary>JSON through source-generated metadata, for the join's pieces and state (records of a few fields each).</summary>
internal sealed class JsonSerDes<T>(JsonTypeInfo<T> typeInfo) : AbstractSerDes<T>
{
    public override byte[] Serialize(T data, SerializationContext context) => JsonSerializer.SerializeToUtf8Bytes(data, typeInfo);

    public override T Deserialize(byte[] data, SerializationContext context) =>
        JsonSerializer.Deserialize(data, typeInfo) ?? throw new FormatException($"A {typeof(T).Name} was JSON null.");
}
