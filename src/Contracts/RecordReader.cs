using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Streaming.Contracts;

/// <summary>Why a record could not be read: too large (<see cref="RecordBounds.Oversized"/>), or not a record of the type asked for.</summary>
public sealed record RecordProblem(bool Oversized, string Detail);

/// <summary>
/// A consumer's first step with any record: empty (a tombstone), over <see cref="RecordBounds.MaxRecordBytes"/>, not JSON
/// of the type, or JSON null each come back as a problem to dead-letter, never as an exception. Checks of its meaning
/// are the consumer's.
/// </summary>
public static class RecordReader
{
    /// <param name="what">What the record should be, for the problem's detail: "a training example".</param>
    public static T? Read<T>(byte[]? value, JsonTypeInfo<T> type, string what, out RecordProblem? problem) where T : class
    {
        problem = null;
        if (value is not { Length: > 0 })
        {
            problem = new RecordProblem(false, $"an empty record (a tombstone, or no value): it should be {what}");
            return null;
        }
        if (RecordBounds.SizeProblem(value.Length) is { } size)
        {
            problem = new RecordProblem(true, size);
            return null;
        }
        try
        {
            if (JsonSerializer.Deserialize(value, type) is { } read) return read;
            problem = new RecordProblem(false, "the record is JSON null");
        }
        catch (Exception e) when (UnreadableRecord.Is(e))
        {
            problem = new RecordProblem(false, e.Message);
        }
        return null;
    }
}
