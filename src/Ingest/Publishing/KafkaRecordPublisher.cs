using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Platform.Kafka;

namespace Streaming.Ingest.Publishing;

/// <summary>
/// One idempotent Confluent.Kafka producer shared by everything that writes ingest records. Records are
/// queued without waiting for each acknowledgement; at most <see cref="IngestOptions.MaxInFlight"/> wait at
/// once, and a caller past that awaits a free slot (back-pressure) instead of seeing a queue-full error.
/// Each record's task completes with its delivery: a failure is surfaced there, never dropped.
/// </summary>
public sealed class KafkaRecordPublisher : IDisposable
{
    private readonly IProducer<byte[]?, byte[]> _producer;
    private readonly SemaphoreSlim _slots;
    private readonly IngestMetrics _metrics;

    public KafkaRecordPublisher(KafkaClientConfigs configs, IngestOptions options, IngestMetrics metrics, ILogger<KafkaRecordPublisher> logger)
    {
        _metrics = metrics;
        _slots = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        var config = configs.Producer();
        config.EnableIdempotence = true; // with acks=all: no duplicates or reordering on retries
        config.LingerMs = options.LingerMs;
        // JSON shrinks several-fold; on the embedded broker, which keeps only the newest 5 MiB per
        // partition, compression is also what lets consumers fall further behind without losing data.
        config.CompressionType ??= CompressionType.Lz4;
        config.QueueBufferingMaxMessages = Math.Max(options.MaxInFlight, 1000);
        config.MessageTimeoutMs ??= 30_000;
        _producer = new ProducerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal) logger.LogCritical("Kafka producer fatal error {Code}: {Reason}. Restart the process.", e.Code, e.Reason);
                else logger.LogWarning("Kafka producer: {Reason} ({Code}); retrying", e.Reason, e.Code);
            })
            .Build();
    }

    /// <summary>
    /// Queues one record. The returned outer task completes once the record is queued (it waits while
    /// too many are in flight); the inner task completes when Kafka acknowledges it, or fails.
    /// </summary>
    public async ValueTask<Task> EnqueueAsync(string topic, byte[]? key, byte[] value, Headers? headers, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var message = new Message<byte[]?, byte[]> { Key = key, Value = value, Headers = headers };
        _metrics.InFlight.Inc();
        try
        {
            while (true)
            {
                try
                {
                    _producer.Produce(topic, message, report =>
                    {
                        _slots.Release();
                        _metrics.InFlight.Dec();
                        if (report.Error.IsError) delivered.TrySetException(new KafkaException(report.Error));
                        else delivered.TrySetResult();
                    });
                    return delivered.Task;
                }
                catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // librdkafka's own queue is full (another writer shares it): let it drain, then retry.
                }
                catch (ProduceException<byte[]?, byte[]> e)
                {
                    // Refused before it was queued (e.g. over the broker's size limit): this record fails, its caller says why.
                    _slots.Release();
                    _metrics.InFlight.Dec();
                    return Task.FromException(new KafkaException(e.Error));
                }
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _slots.Release();
            _metrics.InFlight.Dec();
            throw;
        }
    }

    /// <summary>Waits until every queued record is acknowledged or has failed.</summary>
    public void Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _slots.Dispose();
    }
}
