using System.Text;
using Confluent.Kafka;
using Streaming.Contracts;
using Streaming.Ingest.Validation;
using Streaming.Platform.Kafka;

namespace Streaming.Ingest.Publishing;

/// <summary>
/// The one way into Kafka for producers' records, whatever the door (HTTP, the producer library, replay):
/// validate, then publish to the stream's topic or, with the reason, to the dead-letter topic, and count.
/// </summary>
public sealed class IngestPipeline(KafkaRecordPublisher publisher, RecordValidator validator, IngestMetrics metrics, TimeProvider clock)
{
    /// <summary>
    /// Validates and queues one record. The outer task completes when it is queued (back-pressure);
    /// the inner one says what became of it once Kafka has acknowledged it.
    /// </summary>
    /// <param name="utf8">The record exactly as received; dead-lettered byte for byte if invalid.</param>
    /// <param name="source">Which door it came through ("http", "producer", "replay"), for metrics and headers.</param>
    /// <param name="now">The ingest clock for the time-window check; wall-clock time when null.</param>
    /// <param name="rejection">A verdict reached before validation (e.g. a body too large to split).</param>
    public async ValueTask<Task<RecordOutcome>> EnqueueAsync(
        IngestStream stream, byte[] utf8, string source, DateTimeOffset? now = null, Verdict? rejection = null,
        CancellationToken cancellationToken = default)
    {
        metrics.Received.WithLabels(stream.Name(), source).Inc();
        var verdict = rejection ?? validator.Validate(stream, utf8, now ?? clock.GetUtcNow());
        var delivery = verdict.IsValid
            ? await publisher.EnqueueAsync(stream.Topic(), Encoding.UTF8.GetBytes(verdict.PartitionKey!), utf8, null, cancellationToken).ConfigureAwait(false)
            : await publisher.EnqueueAsync(Topics.DeadLetter, null, DeadLetter.Value(utf8),
                DeadLetter.Headers(verdict.Reason!, verdict.Detail, stream.Name(), source, clock.GetUtcNow(), utf8.Length), cancellationToken).ConfigureAwait(false);
        return Outcome(delivery, stream, source, verdict);
    }

    /// <summary>Validates, publishes and awaits a batch; outcomes are in input order.</summary>
    public async Task<RecordOutcome[]> IngestAsync(IngestStream stream, IReadOnlyList<byte[]> records, string source, CancellationToken cancellationToken = default)
    {
        var pending = new Task<RecordOutcome>[records.Count];
        for (var i = 0; i < records.Count; i++)
            pending[i] = await EnqueueAsync(stream, records[i], source, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Task.WhenAll(pending).ConfigureAwait(false);
    }

    private async Task<RecordOutcome> Outcome(Task delivery, IngestStream stream, string source, Verdict verdict)
    {
        try
        {
            await delivery.ConfigureAwait(false);
        }
        catch (KafkaException e)
        {
            metrics.Failed.WithLabels(stream.Name(), source).Inc();
            var reason = e.Error.Code is ErrorCode.MsgSizeTooLarge ? "record_too_large" : "kafka_unavailable";
            return new RecordOutcome(RecordStatus.Failed, reason, e.Error.Reason);
        }
        if (verdict.IsValid)
        {
            metrics.Accepted.WithLabels(stream.Name(), source).Inc();
            return RecordOutcome.Accepted;
        }
        metrics.Rejected.WithLabels(stream.Name(), source, verdict.Reason!).Inc();
        return new RecordOutcome(RecordStatus.Rejected, verdict.Reason, verdict.Detail);
    }
}
