using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.Platform.Kafka;

namespace Streaming.Serving.Status;

/// <summary>
/// Dead letters for the records a serving node reads for its own state (model announcements, drift alerts) and cannot
/// use: counted in streaming_serving_unreadable_records_total, dead-lettered with the reason and where the record is.
/// Every node reads those topics from the beginning, so one bad record is dead-lettered once per node start; the
/// detail names its partition and offset, which tells the repeats apart.
/// </summary>
internal sealed class StatusRecordRejects(KafkaClientConfigs kafka, ServingMetrics metrics, ILogger logger) : IDisposable
{
    private const string Source = "serving";
    private readonly DeadLetterPublisher _deadLetters = new(kafka.Producer(), Source, () => metrics.DeadLetterFailures.Inc(), logger);

    /// <summary>
    /// The record's value as <typeparamref name="T"/>; null, dead-lettered as <paramref name="malformed"/> (or oversized),
    /// when it is empty, too large, not JSON of that shape, or JSON null. Checks of its meaning are the caller's.
    /// </summary>
    /// <param name="what">What the record should be, for the reason: "a snapshot manifest".</param>
    public T? Read<T>(ConsumeResult<string?, byte[]> record, JsonTypeInfo<T> type, string malformed, string what) where T : class
    {
        var read = RecordReader.Read(record.Message.Value, type, what, out var problem);
        if (problem is not null) Reject(record, problem.Oversized ? RecordBounds.Oversized : malformed, problem.Detail);
        return read;
    }

    public void Reject(ConsumeResult<string?, byte[]> record, string reason, string detail)
    {
        metrics.UnreadableRecords.WithLabels(record.Topic, reason).Inc();
        var where = string.Create(CultureInfo.InvariantCulture, $"{record.Topic}[{record.Partition.Value}]@{record.Offset.Value}");
        _deadLetters.Publish(record.Topic, reason, $"{where}: {detail}", record.Message.Value ?? []);
        logger.LogWarning("Skipped {Where} ({Reason}): {Detail}; dead-lettered", where, reason, detail);
    }

    public void Dispose() => _deadLetters.Dispose();
}
