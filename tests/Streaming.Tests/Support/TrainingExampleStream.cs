using System.Text.Json;
using Confluent.Kafka;
using Streaming.Contracts;
using Streaming.Host.Commands;
using Streaming.Ingest.Replay;

namespace Streaming.Tests.Support;

/// <summary>Flights training examples from the committed sample, and a way to publish them as raw records.</summary>
public static class TrainingExampleStream
{
    public static async Task<List<TrainingExample>> FlightsAsync(int rows)
    {
        var examples = new List<TrainingExample>();
        await foreach (var example in FlightTrainingExamples.ReadAsync(DemoCommand.DefaultDataPath, rows, CancellationToken.None)) examples.Add(example);
        return examples;
    }

    public static byte[] Json(TrainingExample example) => JsonSerializer.SerializeToUtf8Bytes(example, ContractsJsonContext.Default.TrainingExample);

    public static void Publish(string bootstrap, IEnumerable<byte[]> records)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            CompressionType = CompressionType.Lz4, // the embedded broker keeps 5 MiB per partition
            LingerMs = 5,
        }).Build();
        foreach (var record in records) producer.Produce(Topics.TrainingExamples, new Message<Null, byte[]> { Value = record });
        if (producer.Flush(TimeSpan.FromSeconds(30)) != 0) throw new InvalidOperationException("Not every example was delivered.");
    }
}
