using System.Globalization;

namespace Streaming.Contracts;

/// <summary>
/// What any record on a topic may hold, whoever wrote it (the ingest API checks more strictly and configurably; a
/// producer writing to Kafka directly is only held to these). Beyond them one record would poison the rest: a time
/// far ahead moves a stream's clock so that every later record counts as late, a time before 1970 has no window,
/// and a huge number overflows every aggregate it enters.
/// </summary>
public static class RecordBounds
{
    /// <summary>Largest magnitude of a number: sums and sums of squares of a billion such values stay finite (1e15² × 1e9 = 1e39).</summary>
    public const double MaxMagnitude = 1e15;

    /// <summary>How far a record's time may lie after it reached Kafka.</summary>
    public static readonly TimeSpan MaxAheadOfArrival = TimeSpan.FromDays(1);

    /// <summary>Largest record a consumer reads (the ingest API's limit, Ingest:MaxRecordBytes, is lower; a prediction log is bounded by serving's caps).</summary>
    public const int MaxRecordBytes = 512 * 1024;

    public const string Oversized = "oversized";
    public const string TimeOutOfRange = "time_out_of_range";
    public const string NumberOutOfRange = "number_out_of_range";

    /// <summary>Why a record of <paramref name="length"/> bytes is too large to read; null when it is not.</summary>
    public static string? SizeProblem(int length) =>
        length > MaxRecordBytes ? string.Create(CultureInfo.InvariantCulture, $"{length:N0} bytes; a record is at most {MaxRecordBytes:N0}") : null;

    /// <summary>Why <paramref name="time"/> cannot be a record's time, given when it reached Kafka (<see cref="long.MaxValue"/>: not known); null when it can.</summary>
    public static string? TimeProblem(DateTimeOffset time, long arrivalMs)
    {
        if (time < DateTimeOffset.UnixEpoch) return string.Create(CultureInfo.InvariantCulture, $"time {time:O} is before 1970");
        if (arrivalMs == long.MaxValue) return null;
        var latestMs = Math.Min(arrivalMs, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()) + (long)MaxAheadOfArrival.TotalMilliseconds;
        return time.ToUnixTimeMilliseconds() > latestMs
            ? string.Create(CultureInfo.InvariantCulture, $"time {time:O} is more than {MaxAheadOfArrival.TotalHours:F0} h after the record reached Kafka")
            : null;
    }

    /// <summary>Why a number cannot be one of a record's values; null when it can.</summary>
    public static string? NumberProblem(string name, double value) =>
        !double.IsFinite(value) ? $"{name} is {value.ToString(CultureInfo.InvariantCulture)}"
        : Math.Abs(value) > MaxMagnitude ? string.Create(CultureInfo.InvariantCulture, $"{name} is {value:G6}, beyond ±{MaxMagnitude:G3}")
        : null;

    /// <summary>The first number among <paramref name="fields"/> that cannot be, as a problem; null when all can.</summary>
    public static string? FieldsProblem(IReadOnlyDictionary<string, FieldValue>? fields)
    {
        if (fields is null) return null;
        foreach (var (name, value) in fields)
            if (value.Kind == FieldKind.Number && NumberProblem(name, value.Number) is { } problem) return problem;
        return null;
    }
}
