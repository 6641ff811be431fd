using Microsoft.Extensions.Logging;
using Streaming.Contracts;

namespace Streaming.Platform.Kafka;

/// <summary>
/// librdkafka's built-in mock cluster, running inside this process and listening on 127.0.0.1, so other
/// processes can connect to <see cref="BootstrapServers"/> too. It speaks the real Kafka protocol
/// (produce, fetch, consumer groups, idempotence, transactions); topics are created through the mock API
/// because its admin CreateTopics never finds a controller.
/// </summary>
public sealed class EmbeddedKafkaCluster : IKafkaCluster, IDisposable
{
    private const int ProducerType = 0; // RD_KAFKA_PRODUCER: the mock needs a client handle to hang off.
    private readonly object _gate = new();
    private IntPtr _client;
    private IntPtr _cluster;

    public EmbeddedKafkaCluster(int brokers = 1, ILogger<EmbeddedKafkaCluster>? logger = null)
    {
        LibrdkafkaLoader.EnsureInstalled();
        var errstr = new byte[512];
        var conf = MockClusterNative.rd_kafka_conf_new();
        // The handle only owns the mock; keep it from logging connection chatter of its own.
        MockClusterNative.rd_kafka_conf_set(conf, "log_level", "3", errstr, (nuint)errstr.Length);
        _client = MockClusterNative.rd_kafka_new(ProducerType, conf, errstr, (nuint)errstr.Length);
        if (_client == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("librdkafka could not create a client for the mock cluster: " + MockClusterNative.ErrorText(errstr));
        }
        _cluster = MockClusterNative.rd_kafka_mock_cluster_new(_client, brokers);
        if (_cluster == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_destroy(_client);
            throw new InvalidOperationException("librdkafka could not start its mock cluster.");
        }
        // A real broker waits 3 s for more members before a new group's first rebalance; one process
        // rarely brings more, so start groups at once.
        MockClusterNative.rd_kafka_mock_group_initial_rebalance_delay_ms(_cluster, 0);
        BrokerCount = brokers;
        BootstrapServers = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(MockClusterNative.rd_kafka_mock_cluster_bootstraps(_cluster))!;
        logger?.LogInformation(
            "Embedded Kafka (librdkafka mock cluster, {Brokers} broker(s), {Library}) listening on {Bootstrap}. " +
            "It keeps the newest {RetainedMiB} MiB per partition in memory: consumers must keep up, and data does not outlive the process.",
            brokers, LibrdkafkaLoader.LoadedFrom, BootstrapServers, RetainedBytesPerPartition >> 20);
    }

    /// <summary>The mock drops a partition's oldest batches beyond this (hard-coded in librdkafka).</summary>
    public const long RetainedBytesPerPartition = 5L * 1024 * 1024;

    public string BootstrapServers { get; }
    public KafkaClusterKind Kind => KafkaClusterKind.Embedded;
    public int BrokerCount { get; }

    public Task EnsureTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken)
    {
        foreach (var topic in topics) CreateTopic(topic.Name, topic.Partitions);
        return Task.CompletedTask;
    }

    /// <summary>Creates a topic (idempotent: an existing topic is left as it is).</summary>
    public void CreateTopic(string name, int partitions)
    {
        var err = WithCluster(c => MockClusterNative.rd_kafka_mock_topic_create(c, name, partitions, Math.Min(BrokerCount, 3)));
        if (err != 0 && err != (int)Confluent.Kafka.ErrorCode.TopicAlreadyExists)
            throw new InvalidOperationException($"Mock cluster could not create topic '{name}': {MockClusterNative.ErrorString(err)}");
    }

    // Fault controls, for tests that need a broker that misbehaves.

    /// <summary>Takes a broker down: connections close and it refuses new ones until <see cref="SetBrokerUp"/>.</summary>
    public void SetBrokerDown(int brokerId = 1) => Check(WithCluster(c => MockClusterNative.rd_kafka_mock_broker_set_down(c, brokerId)));

    public void SetBrokerUp(int brokerId = 1) => Check(WithCluster(c => MockClusterNative.rd_kafka_mock_broker_set_up(c, brokerId)));

    /// <summary>Adds round-trip latency to every request a broker answers.</summary>
    public void SetBrokerRoundTrip(int brokerId, TimeSpan rtt) =>
        Check(WithCluster(c => MockClusterNative.rd_kafka_mock_broker_set_rtt(c, brokerId, (int)rtt.TotalMilliseconds)));

    /// <summary>Makes the next requests of one API (e.g. Produce = 0) fail with the given errors, in order.</summary>
    public void PushRequestErrors(short apiKey, params Confluent.Kafka.ErrorCode[] errors) =>
        WithCluster(c =>
        {
            MockClusterNative.rd_kafka_mock_push_request_errors_array(c, apiKey, (nuint)errors.Length, errors.Select(e => (int)e).ToArray());
            return 0;
        });

    /// <summary>Makes metadata report this error for a topic (NoError clears it).</summary>
    public void SetTopicError(string topic, Confluent.Kafka.ErrorCode error) =>
        WithCluster(c =>
        {
            MockClusterNative.rd_kafka_mock_topic_set_error(c, topic, (int)error);
            return 0;
        });

    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster == IntPtr.Zero) return;
            MockClusterNative.rd_kafka_mock_cluster_destroy(_cluster);
            MockClusterNative.rd_kafka_destroy(_client);
            _cluster = IntPtr.Zero;
            _client = IntPtr.Zero;
        }
    }

    private int WithCluster(Func<IntPtr, int> action)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            return action(_cluster);
        }
    }

    private static void Check(int err)
    {
        if (err != 0) throw new InvalidOperationException("Mock cluster refused: " + MockClusterNative.ErrorString(err));
    }
}
