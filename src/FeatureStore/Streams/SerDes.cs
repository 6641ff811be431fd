using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;
using Streaming.FeatureStore.Aggregation;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Streaming.FeatureStore.Streams;

/// <summary>Compact binary: aggregates are read and rewritten on every record, so their encoding is on the hot path.</summary>
public sealed class FeatureAggregateSerDes : AbstractSerDes<FeatureAggregate>
{
    public override byte[] Serialize(FeatureAggregate data, SerializationContext context) => data.Serialize();

    public override FeatureAggregate Deserialize(byte[] data, SerializationContext context) => FeatureAggregate.Deserialize(data);
}

public sealed class FeatureInputSerDes : AbstractSerDes<FeatureInput>
{
    public override byte[] Serialize(FeatureInput data, SerializationContext context) => data.Serialize();

    public override FeatureInput Deserialize(byte[] data, SerializationContext context) => FeatureInput.Deserialize(data);
}

/// <summary>JSON through source-generated metadata, for the join's pieces and state (records of a few fields each).</summary>
public sealed class JsonSerDes<T>(JsonTypeInfo<T> typeInfo) : AbstractSerDes<T>
{
    public override byte[] Serialize(T data, SerializationContext context) => JsonSerializer.SerializeToUtf8Bytes(data, typeInfo);

    public override T Deserialize(byte[] data, SerializationContext context) =>
        JsonSerializer.Deserialize(data, typeInfo) ?? throw new FormatException($"A {typeof(T).Name} was JSON null.");
}

public sealed class ValuesAtTimeSerDes : AbstractSerDes<ValuesAtTime>
{
    public override byte[] Serialize(ValuesAtTime data, SerializationContext context) => data.Serialize();

    public override ValuesAtTime Deserialize(byte[] data, SerializationContext context) => ValuesAtTime.Deserialize(data);
}
