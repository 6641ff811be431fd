using System.Text.Json;
using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.Platform.Kafka;

namespace Streaming.Serving.Prediction;

/// <summary>
/// Publishes every prediction to <see cref="Topics.Predictions"/> off the request path: a request only
/// offers its record to a bounded buffer, which never blocks and never fails it. When Kafka is slow or
/// unreachable the buffer fills and further records are dropped and counted; labels for those predictions
/// then find no logged features and are dead-lettered by the join as unmatched.
/// </summary>
public sealed class PredictionLogPublisher(
    ServingOptions options,
    KafkaClientConfigs kafka,
    ServingMetrics metrics,
    ILogger<PredictionLogPublisher> logger) : BackgroundService
{
    private readonly Channel<PredictionLog> _buffer = Channel.CreateBounded<PredictionLog>(new BoundedChannelOptions(options.PredictionLogCapacity)
    {
        // Wait, not DropWrite: with DropWrite TryWrite reports success for the record it drops, so nothing
        // could count it. Nobody waits here: requests only TryWrite, which fails when full.
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private long _failuresLogged;

    /// <summary>Offers a record; false (and counted) when the buffer is full.</summary>
    public bool Offer(PredictionLog log)
    {
        if (_buffer.Writer.TryWrite(log)) return true;
        metrics.LogDropped.WithLabels("buffer_full").Inc();
        return false;
    }

    /// <summary>Records offered and not yet handed to Kafka.</summary>
    public int Pending => _buffer.Reader.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var config = kafka.Producer();
        config.LingerMs ??= 5;
        config.MessageTimeoutMs ??= 30_000;
        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
        try
        {
            while (await _buffer.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_buffer.Reader.TryRead(out var log)) Produce(producer, log, waitForRoom: true);
                metrics.LogQueue.Set(_buffer.Reader.Count);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: hand over what is buffered, then wait (bounded) for Kafka to take it.
            while (_buffer.Reader.TryRead(out var log)) Produce(producer, log, waitForRoom: false);
        }
        producer.Flush(TimeSpan.FromSeconds(5));
    }

    private void Produce(IProducer<string, byte[]> producer, PredictionLog log, bool waitForRoom)
    {
        while (true)
        {
            try
            {
                producer.Produce(Topics.Predictions, new Message<string, byte[]>
                {
                    Key = log.PredictionId, // the label join looks predictions up by id
                    Value = JsonSerializer.SerializeToUtf8Bytes(log, ContractsJsonContext.Default.PredictionLog),
                }, OnDelivered);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull && !waitForRoom)
            {
                metrics.LogDropped.WithLabels("not_delivered").Inc();
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // librdkafka's own queue is full: Kafka is behind. Wait for room rather than drop; our
                // bounded buffer, not this loop, is where records are shed.
                producer.Poll(TimeSpan.FromMilliseconds(100));
            }
            catch (KafkaException e)
            {
                // Anything else (a record over the broker's size limit, a closed producer) loses this record only: count
                // and report it, and go on with the next. A failing publisher must never stop the host.
                metrics.LogDropped.WithLabels("not_delivered").Inc();
                ReportFailure(e.Error.Reason);
                return;
            }
        }
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report)
    {
        if (!report.Error.IsError)
        {
            metrics.LogPublished.Inc();
            return;
        }
        metrics.LogDropped.WithLabels("not_delivered").Inc();
        ReportFailure(report.Error.Reason);
    }

    private void ReportFailure(string reason)
    {
        // One line per thousand failures: an outage must not flood the log.
        if (Interlocked.Increment(ref _failuresLogged) % 1000 == 1)
            logger.LogWarning("Prediction log records are not reaching Kafka ({Reason}); they are dropped and counted in streaming_serving_prediction_log_dropped_total",
                reason);
    }
}
