using Confluent.Kafka;
using Streaming.Contracts;

namespace Streaming.Testing;

/// <summary>
/// Writes serialized training examples straight to <see cref="Topics.TrainingExamples"/>, bypassing the
/// feature join: how the learner's tests and benchmark feed it a fixed stream.
/// </summary>
public static class TrainingExamplePublisher
{
    public static void Publish(string bootstrapServers, IEnumerable<byte[]> records)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            CompressionType = CompressionType.Lz4, // the embedded broker keeps 5 MiB per partition
            LingerMs = 5,
        }).Build();
        foreach (var record in records) producer.Produce(Topics.TrainingExamples, new Message<Null, byte[]> { Value = record });
        if (producer.Flush(TimeSpan.FromMinutes(1)) != 0) throw new InvalidOperationException("Not every example was delivered.");
    }
}
