using System.Buffers;
using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Writes the training example of a logged prediction and its label, as <see cref="TrainingExample"/> JSON. The
/// prediction's features (and time, score, version, model and shadow scores) are copied as the raw JSON they were logged with, never
/// re-encoded: the learner trains on exactly the bytes serving logged.
/// </summary>
internal static class TrainingExampleWriter
{
    public static byte[] Write(byte[] predictionJson, LoggedPrediction prediction, Label label)
    {
        var json = predictionJson.AsSpan();
        var buffer = new ArrayBufferWriter<byte>(predictionJson.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", label.Id);
            writer.WritePropertyName("time");
            writer.WriteRawValue(json[prediction.Time], skipInputValidation: true);
            writer.WriteNumber("label", label.Value);
            writer.WritePropertyName("features");
            writer.WriteRawValue(json[prediction.Features], skipInputValidation: true);
            writer.WriteString("predictionId", prediction.PredictionId);
            writer.WritePropertyName("servedScore");
            writer.WriteRawValue(json[prediction.Score], skipInputValidation: true);
            writer.WritePropertyName("servedVersion");
            writer.WriteRawValue(json[prediction.Version], skipInputValidation: true);
            if (prediction.Model is { } model)
            {
                writer.WritePropertyName("servedModel");
                writer.WriteRawValue(json[model], skipInputValidation: true);
            }
            if (prediction.Shadows is { } shadows)
            {
                writer.WritePropertyName("shadows");
                writer.WriteRawValue(json[shadows], skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
