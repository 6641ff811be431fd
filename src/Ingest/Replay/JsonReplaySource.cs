using System.Runtime.CompilerServices;
using System.Text.Json;
using Streaming.Ingest.Http;

namespace Streaming.Ingest.Replay;

/// <summary>
/// Events in the contract's JSON form, from a file holding a JSON array or NDJSON, in file order; each
/// arrives at its own "time". A record whose time cannot be read keeps the previous arrival time and is
/// left to ingest validation, which dead-letters it with the reason.
/// </summary>
public sealed class JsonReplaySource(string path, long? limit = null) : IReplaySource
{
    public long? RowCount { get; private set; }
    public long RowsRead { get; private set; }

    public async IAsyncEnumerable<ReplayRecord> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        var firstByte = bytes.AsSpan().IndexOfAnyExcept(" \t\r\n"u8);
        var records = firstByte >= 0 && bytes[firstByte] == (byte)'[' ? BodySplitter.SplitJson(bytes) ?? [bytes] : BodySplitter.SplitNdjson(bytes);
        if (limit is { } l && records.Count > l) records = records[..(int)l];
        RowCount = records.Count;
        var arrival = DateTimeOffset.UnixEpoch;
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            arrival = TimeOf(record) ?? arrival;
            RowsRead++;
            yield return new ReplayRecord(IngestStream.Events, record, arrival);
        }
    }

    private static DateTimeOffset? TimeOf(byte[] record)
    {
        try
        {
            using var document = JsonDocument.Parse(record);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("time", out var time)
                && time.ValueKind == JsonValueKind.String
                && time.TryGetDateTimeOffset(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
