using System.Text.Json;
using Streaming.Contracts;
using Streaming.Platform.Kafka;

namespace Streaming.Offline.Backfill;

/// <summary>The training examples streaming produced, for parity against the backfilled ones.</summary>
internal static class StreamedExamples
{
    /// <summary>The examples still on the topic (one partition), read to its end.</summary>
    public static List<TrainingExample> Read(KafkaClientConfigs kafka)
    {
        using var consumer = kafka.ReadFromBeginning(Topics.TrainingExamples, "parity");
        var examples = new List<TrainingExample>();
        while (consumer.Consume(TimeSpan.FromSeconds(2)) is { } record)
        {
            try
            {
                if (record.Message.Value is { Length: > 0 } value && JsonSerializer.Deserialize(value, ContractsJsonContext.Default.TrainingExample) is { } example)
                    examples.Add(example);
            }
            catch (Exception e) when (UnreadableRecord.Is(e))
            {
                // The learner dead-letters it; parity compares the examples it could learn from.
            }
        }
        consumer.Close();
        return examples;
    }
}
