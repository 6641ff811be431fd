using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;
using Streaming.FeatureStore;
using Streaming.Platform.Kafka;

namespace Streaming.FeatureStore.Streams;

/// <summary>Where the tile processors send what they reject; <see cref="Flush"/> says when all of it is delivered.</summary>
public interface IDeadLetterSink
{
    void Publish(string stream, string reason, string? detail, byte[] value);

    /// <summary>Waits until everything published so far is delivered; false when that took longer than the timeout.</summary>
    bool Flush(TimeSpan timeout);
}

/// <summary>
/// The tile processors' dead letters, through a producer of their own rather than a Streamiz sink: a flush
/// (<see cref="Flush"/>) must know that every dead letter of the records it is about to mark as done has been
/// delivered, since a resumed partition skips those records. Failed deliveries are sent again, never dropped.
/// </summary>
public sealed class DeadLetterPublisher : IDeadLetterSink, IDisposable
{
    private const string Source = "features";
    private readonly IProducer<string?, byte[]> _producer;
    private readonly FeatureMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Message<string?, byte[]>> _retry = new();
    private long _inFlight;

    public DeadLetterPublisher(ProducerConfig config, FeatureMetrics metrics, ILogger logger)
    {
        config.LingerMs ??= 5;
        _producer = new ProducerBuilder<string?, byte[]>(config).Build();
        _metrics = metrics;
        _logger = logger;
    }

    public void Publish(string stream, string reason, string? detail, byte[] value)
    {
        Send(new Message<string?, byte[]>
        {
            Value = DeadLetter.Value(value),
            Headers = DeadLetter.Headers(reason, detail, stream, Source, DateTimeOffset.UtcNow, value.Length),
        });
    }

    private void Send(Message<string?, byte[]> message)
    {
        Interlocked.Increment(ref _inFlight);
        while (true)
        {
            try
            {
                _producer.Produce(Topics.DeadLetter, message, report =>
                {
                    if (report.Error.IsError)
                    {
                        _logger.LogWarning("A dead letter was not delivered ({Reason}); sending it again", report.Error.Reason);
                        _retry.Enqueue(message);
                    }
                    Interlocked.Decrement(ref _inFlight);
                });
                return;
            }
            catch (ProduceException<string?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
            catch (ProduceException<string?, byte[]> e)
            {
                // Refused outright (values are capped below Kafka's size limit, so this is the broker's configuration).
                Interlocked.Decrement(ref _inFlight);
                _metrics.DeadLetterFailures.Inc();
                _logger.LogError("A dead letter was refused by the producer ({Reason}); it is counted in streaming_features_dead_letter_failures_total", e.Error.Reason);
                return;
            }
        }
    }

    /// <summary>Resends failures until every dead letter published so far is delivered.</summary>
    public bool Flush(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Interlocked.Read(ref _inFlight) > 0 || !_retry.IsEmpty)
        {
            while (_retry.TryDequeue(out var again)) Send(again);
            if (DateTime.UtcNow > deadline) return false;
            _producer.Flush(TimeSpan.FromMilliseconds(100));
        }
        return true;
    }

    public void Dispose()
    {
        Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
