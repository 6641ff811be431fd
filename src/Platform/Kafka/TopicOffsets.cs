using Confluent.Kafka;

namespace Streaming.Platform.Kafka;

/// <summary>How many records were written to a topic, from partition end offsets (no consuming).</summary>
public static class TopicOffsets
{
    public static long EndOffsetTotal(KafkaClientConfigs configs, string topic, TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(configs.Admin()).Build();
        var partitions = admin.GetMetadata(topic, timeout).Topics.Single().Partitions;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(configs.Consumer("watermarks")).Build();
        return partitions.Sum(p =>
        {
            var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), timeout);
            return marks.High.Value; // not High - Low: a broker may already have dropped the oldest by retention

        });
    }

    /// <summary>One partition's end offset: the offset the next record written to it gets.</summary>
    public static long EndOffset(KafkaClientConfigs configs, TopicPartition partition, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(configs.Consumer("watermarks")).Build();
        return consumer.QueryWatermarkOffsets(partition, timeout).High.Value;
    }
}
