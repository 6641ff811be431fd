using System.Text.Json;
using Streaming.Contracts;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// The fields of a logged prediction (<see cref="Contracts.PredictionLog"/> JSON) the join needs, read in one pass
/// without materializing its features: the id and time, and where in the record the time, the features, the score
/// and the version are, so the training example copies them as they were logged.
/// </summary>
/// <param name="Model">Where the model that answered is (absent in logs from before rollouts).</param>
/// <param name="Shadows">Where the shadow challengers' scores are, when there were any.</param>
internal readonly record struct LoggedPrediction(string PredictionId, long TimeMs, Range Time, Range Features, Range Score, Range Version, Range? Model = null, Range? Shadows = null)
{
    /// <summary>The fields, or the reason the record is not a prediction log.</summary>
    /// <param name="arrivalMs">When the record reached Kafka: its time may not lie far after (<see cref="RecordBounds.TimeProblem"/>).</param>
    public static LoggedPrediction? Read(ReadOnlySpan<byte> json, long arrivalMs, out string? error)
    {
        error = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return Fail("a prediction log is a JSON object", out error);
            string? id = null;
            long timeMs = 0;
            Range? time = null, features = null, score = null, version = null, model = null, shadows = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                switch (name)
                {
                    case "predictionId" when reader.TokenType == JsonTokenType.String:
                        id = reader.GetString();
                        break;
                    case "time" when reader.TokenType == JsonTokenType.String:
                        timeMs = reader.GetDateTimeOffset().ToUnixTimeMilliseconds();
                        time = start..(int)reader.BytesConsumed;
                        break;
                    case "features" when reader.TokenType == JsonTokenType.StartObject:
                        reader.Skip();
                        features = start..(int)reader.BytesConsumed;
                        break;
                    case "score" when reader.TokenType == JsonTokenType.Number:
                        if (RecordBounds.NumberProblem("score", reader.GetDouble()) is { } badScore) return Fail(badScore, out error);
                        score = start..(int)reader.BytesConsumed;
                        break;
                    case "modelVersion" when reader.TokenType == JsonTokenType.String:
                        version = start..(int)reader.BytesConsumed;
                        break;
                    case "model" when reader.TokenType == JsonTokenType.String:
                        model = start..(int)reader.BytesConsumed;
                        break;
                    case "shadows" when reader.TokenType == JsonTokenType.StartArray:
                        reader.Skip();
                        shadows = start..(int)reader.BytesConsumed;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            if (id is null or "" || time is null || features is null || score is null || version is null)
                return Fail("a prediction log needs a prediction id, time, features, score and model version", out error);
            if (RecordBounds.TimeProblem(DateTimeOffset.FromUnixTimeMilliseconds(timeMs), arrivalMs) is { } problem) return Fail(problem, out error);
            return new LoggedPrediction(id, timeMs, time.Value, features.Value, score.Value, version.Value, model, shadows);
        }
        catch (Exception e) when (e is FormatException || UnreadableRecord.Is(e))
        {
            return Fail(e.Message, out error);
        }
    }

    private static LoggedPrediction? Fail(string why, out string error)
    {
        error = why;
        return null;
    }
}
