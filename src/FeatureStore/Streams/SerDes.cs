using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;
using Streaming.FeatureStore.Aggregation;
using Streaming.FeatureStore.Training;

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

public sealed class JoinPartSerDes : AbstractSerDes<JoinPart>
{
    public override byte[] Serialize(JoinPart data, SerializationContext context) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(data, FeatureStoreJsonContext.Default.JoinPart);

    public override JoinPart Deserialize(byte[] data, SerializationContext context) =>
        System.Text.Json.JsonSerializer.Deserialize(data, FeatureStoreJsonContext.Default.JoinPart)
        ?? throw new FormatException("A join part was JSON null.");
}

public sealed class PendingExampleSerDes : AbstractSerDes<PendingExample>
{
    public override byte[] Serialize(PendingExample data, SerializationContext context) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(data, FeatureStoreJsonContext.Default.PendingExample);

    public override PendingExample Deserialize(byte[] data, SerializationContext context) =>
        System.Text.Json.JsonSerializer.Deserialize(data, FeatureStoreJsonContext.Default.PendingExample)
        ?? throw new FormatException("A pending example was JSON null.");
}
