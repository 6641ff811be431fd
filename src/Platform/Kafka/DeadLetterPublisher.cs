using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streaming.Contracts;

namespace Streaming.Platform.Kafka;

/// <summary>Where a part sends the records it rejects; <see cref="Flush"/> says when all of it is delivered.</summary>
public interface IDeadLetterSink
{
    void Publish(string stream, string reason, string? detail, byte[] value);

    /// <summary>Waits until everything published so far is delivered; false when that took longer than the timeout.</summary>
    bool Flush(TimeSpan timeout);
}

/// <summary>
/// Dead letters through a producer of their own: failed deliveries are sent again, never dropped, and a flush
/// (<see cref="Flush"/>) knows when every one so far is delivered (the tile processors flush before they mark records
/// as done, since a resumed partition skips those records).
/// </summary>
public sealed class DeadLetterPublisher : IDeadLetterSink, IDisposable
{
    private readonly IProducer<string?, byte[]> _producer;
    private readonly string _source;
    private readonly Action _refused;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Message<string?, byte[]>> _retry = new();
    private long _inFlight;

    /// <param name="source">The part that rejects (the dead letters' source header): features, serving, …</param>
    /// <param name="refused">Counts a dead letter the producer refused outright (lost).</param>
    public DeadLetterPublisher(ProducerConfig config, string source, Action refused, ILogger logger)
    {
        config.LingerMs ??= 5;
        _producer = new ProducerBuilder<string?, byte[]>(config).Build();
        _source = source;
        _refused = refused;
        _logger = logger;
    }

    public void Publish(string stream, string reason, string? detail, byte[] value)
    {
        Send(new Message<string?, byte[]>
        {
            Value = DeadLetter.Value(value),
            Headers = DeadLetter.Headers(reason, detail, stream, _source, DateTimeOffset.UtcNow, value.Length),
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
                _refused();
                _logger.LogError("A dead letter was refused by the producer ({Reason}): lost, and counted. Check the broker's message size limit", e.Error.Reason);
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
