using System.Runtime.InteropServices;
using System.Text;

namespace Streaming.Platform.Kafka;

/// <summary>
/// The parts of librdkafka's C API that create and steer its built-in mock cluster (rdkafka_mock.h).
/// Resolved through <see cref="LibrdkafkaLoader"/> to the same library Confluent.Kafka uses.
/// </summary>
internal static partial class MockClusterNative
{
    private const string Lib = "librdkafka";

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Lib)]
    internal static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, nuint errstrSize);

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, nuint errstrSize);

    [LibraryImport(Lib)]
    internal static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(Lib)]
    internal static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void rd_kafka_mock_topic_set_error(IntPtr cluster, string topic, int error);

    [LibraryImport(Lib)]
    internal static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

    [LibraryImport(Lib)]
    internal static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

    [LibraryImport(Lib)]
    internal static partial int rd_kafka_mock_broker_set_rtt(IntPtr cluster, int brokerId, int rttMs);

    [LibraryImport(Lib)]
    internal static partial void rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, nuint count, int[] errors);

    [LibraryImport(Lib)]
    internal static partial void rd_kafka_mock_clear_request_errors(IntPtr cluster, short apiKey);

    [LibraryImport(Lib)]
    internal static partial int rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);

    [LibraryImport(Lib)]
    internal static partial IntPtr rd_kafka_err2str(int err);

    internal static string ErrorString(int err) => Marshal.PtrToStringUTF8(rd_kafka_err2str(err)) ?? $"error {err}";

    internal static string ErrorText(byte[] errstr) => Encoding.UTF8.GetString(errstr).TrimEnd('\0');
}
