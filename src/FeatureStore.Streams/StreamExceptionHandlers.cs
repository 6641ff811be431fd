using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Platform.Kafka;
using Streamiz.Kafka.Net;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// What Streamiz does with a record it cannot deserialize or a record its sinks cannot produce: dead-letter it with the
/// reason and go on, rather than stop the stream thread. A production failure that may pass (a timeout, the broker
/// away) is retried: only a record the broker can never take is dead-lettered.
/// A processing error inside our processors is dead-lettered there, per record (<see cref="TileProcessor"/>, the join).
/// </summary>
internal static class StreamExceptionHandlers
{
    public const string Undeserializable = "undeserializable_record";
    public const string NotProduced = "not_produced";

    public static void AddTo(IStreamConfig config, IDeadLetterSink deadLetters, FeatureMetrics metrics, ILogger logger)
    {
        config.DeserializationExceptionHandler = (_, record, e) =>
        {
            metrics.DeadLettered.WithLabels(record.Topic, Undeserializable).Inc();
            deadLetters.Publish(record.Topic, Undeserializable, e.Message, record.Message.Value ?? []);
            return ExceptionHandlerResponse.CONTINUE;
        };
        config.ProductionExceptionHandler = report =>
        {
            if (report.Error.Code is not (ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsg or ErrorCode.RecordListTooLarge or ErrorCode.InvalidRecord))
            {
                logger.LogWarning("The feature pipeline could not produce to {Topic} ({Reason}); sending it again. Is the broker reachable?", report.Topic, report.Error.Reason);
                return ProductionExceptionHandlerResponse.RETRY;
            }
            metrics.DeadLettered.WithLabels(report.Topic, NotProduced).Inc();
            deadLetters.Publish(report.Topic, NotProduced, report.Error.Reason, report.Message.Value ?? []);
            return ProductionExceptionHandlerResponse.CONTINUE;
        };
    }
}
