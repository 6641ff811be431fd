using Confluent.Kafka;
using Streaming.Contracts;

namespace Streaming.Testing;

/// <summary>
/// Writes serialized training examples straight to <see cref="Topics.TrainingExamples"/>, bypassing the
/// feature join: how the learner's tests and benchmark feed it a fixed stream.
/// </summary>
public static class TrainingExamplePublisher
{
    /// <param name="partitions">0: let the partitioner choose; otherwise record i goes to partition i mod this, so every run of a test splits the stream alike.</param>
    public static void Publish(string bootstrapServers, IEnumerable<byte[]> records, int partitions = 0)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            CompressionType = CompressionType.Lz4, // the embedded broker keeps 5 MiB per partition
            LingerMs = 5,
        }).Build();
        var index = 0;
        foreach (var record in records)
        {
            var message = new Message<Null, byte[]> { Value = record };
            if (partitions > 0) producer.Produce(new TopicPartition(Topics.TrainingExamples, index++ % partitions), message);
            else producer.Produce(Topics.TrainingExamples, message);
        }
        if (producer.Flush(TimeSpan.FromMinutes(1)) != 0) throw new InvalidOperationException("Not every example was delivered.");
    }
}
