using System.Text.Json;
using Streaming.Contracts;
using Streaming.Flights;
using Streaming.Host.Commands;

namespace Streaming.Tests.Support;

/// <summary>Flights training examples from the committed sample, and their wire form.</summary>
public static class TrainingExampleStream
{
    public static async Task<List<TrainingExample>> FlightsAsync(int rows)
    {
        var examples = new List<TrainingExample>();
        await foreach (var example in FlightTrainingExamples.ReadAsync(DemoCommand.DefaultDataPath, rows, CancellationToken.None)) examples.Add(example);
        return examples;
    }

    public static byte[] Json(TrainingExample example) => JsonSerializer.SerializeToUtf8Bytes(example, ContractsJsonContext.Default.TrainingExample);
}
