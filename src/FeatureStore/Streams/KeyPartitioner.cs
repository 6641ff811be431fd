using System.IO.Hashing;
using System.Text;
using Confluent.Kafka;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Partitions repartition topics by key. Streamiz's default keeps each record in its source partition
/// number, which would split one entity (or one example's pieces) across tasks; every repartition here
/// names this partitioner so that equal keys always meet. Watermarks name their partition outright.
/// </summary>
public static class KeyPartitioner
{
    public static Partition For(string topic, string key, int partitionCount) =>
        new(WatermarkKeys.PartitionOf(key, partitionCount) ?? (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(key)) % (uint)partitionCount));
}
