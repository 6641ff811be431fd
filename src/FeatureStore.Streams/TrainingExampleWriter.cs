using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Writes the training example of a logged prediction and its label, as <see cref="TrainingExample"/> JSON. The
/// prediction's features are copied as the raw JSON it was logged with, never re-encoded: the learner trains on
/// exactly the bytes serving logged.
/// </summary>
public static class TrainingExampleWriter
{
    /// <summary>The example; throws <see cref="JsonException"/> or <see cref="KeyNotFoundException"/> when the prediction log lacks a field.</summary>
    public static byte[] Write(byte[] predictionJson, Label label)
    {
        using var prediction = JsonDocument.Parse(predictionJson);
        var root = prediction.RootElement;
        using var buffer = new MemoryStream(predictionJson.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", label.Id);
            writer.WritePropertyName("time");
            writer.WriteRawValue(root.GetProperty("time").GetRawText());
            writer.WriteNumber("label", label.Value);
            writer.WritePropertyName("features");
            writer.WriteRawValue(root.GetProperty("features").GetRawText());
            writer.WriteString("predictionId", root.GetProperty("predictionId").GetString());
            writer.WritePropertyName("servedScore");
            writer.WriteRawValue(root.GetProperty("score").GetRawText());
            writer.WriteString("servedVersion", root.GetProperty("modelVersion").GetString());
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
