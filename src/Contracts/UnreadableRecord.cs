using System.Text.Json;

namespace Streaming.Contracts;

/// <summary>
/// Whether an exception from reading a record's bytes as JSON means the record is unreadable (data to dead-letter or
/// skip), not a fault of the reader. Invalid UTF-8 comes from System.Text.Json as an InvalidOperationException or an
/// ArgumentException as well as a JsonException, so every consumer asks here rather than catching JsonException alone.
/// </summary>
public static class UnreadableRecord
{
    public static bool Is(Exception e) => e is JsonException or InvalidOperationException or ArgumentException;
}
