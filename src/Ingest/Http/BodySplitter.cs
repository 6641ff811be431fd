using System.Text.Json;

namespace Streaming.Ingest.Http;

/// <summary>
/// Cuts a request body into records without judging them: NDJSON by line, a JSON array by element, a
/// lone JSON object as one record. Each record keeps its exact bytes, so a rejected one is dead-lettered
/// as it was sent. A JSON array that is not well-formed cannot be cut safely and yields null.
/// </summary>
internal static class BodySplitter
{
    public static List<byte[]> SplitNdjson(ReadOnlySpan<byte> body)
    {
        var records = new List<byte[]>();
        while (!body.IsEmpty)
        {
            var end = body.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 1)..];
            var trimmed = line.TrimEnd((byte)'\r');
            if (!trimmed.Trim(" \t"u8).IsEmpty) records.Add(trimmed.ToArray());
        }
        return records;
    }

    /// <summary>
    /// The elements of a top-level array, or the whole body when it is not an array (validation judges
    /// it); none for a blank body; null when the array is malformed.
    /// </summary>
    public static List<byte[]>? SplitJson(ReadOnlySpan<byte> body)
    {
        var start = body.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0) return [];
        if (body[start] != (byte)'[') return [body.ToArray()];
        var records = new List<byte[]>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            reader.Read(); // the '['
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var from = (int)reader.TokenStartIndex;
                reader.Skip();
                records.Add(body[from..(int)reader.BytesConsumed].ToArray());
            }
            if (reader.TokenType != JsonTokenType.EndArray) return null;
            while (reader.Read()) { } // trailing content after the array is malformed too
        }
        catch (JsonException)
        {
            return null;
        }
        return records;
    }
}
