using Confluent.Kafka;
using Streaming.FeatureStore.Streams;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace Streaming.Tests.Features;

public class StreamizClientSettingsTests
{
    [Fact]
    public void Client_settings_given_as_text_reach_streamiz_with_their_types()
    {
        Assert.Equal(5, StreamizClientSettings.Typed("fetch.wait.max.ms", "5"));
        Assert.Equal(SecurityProtocol.SaslSsl, StreamizClientSettings.Typed("security.protocol", "sasl_ssl"));
        Assert.Equal(true, StreamizClientSettings.Typed("enable.idempotence", "true"));
        Assert.Equal("ingest-7", StreamizClientSettings.Typed("client.id", "ingest-7"));
        Assert.Equal("PLAIN", StreamizClientSettings.Typed("sasl.mechanism", "PLAIN") is SaslMechanism mechanism ? mechanism.ToString().ToUpperInvariant() : null);

        // Streamiz itself accepts them all (the text "5" for fetch.wait.max.ms stopped the pipeline before).
        var config = new StreamConfig<StringSerDes, StringSerDes> { ApplicationId = "a", BootstrapServers = "localhost:9092" };
        StreamizClientSettings.AddTo(config, new Dictionary<string, string>
        {
            ["fetch.wait.max.ms"] = "5",
            ["security.protocol"] = "sasl_ssl",
            ["linger.ms"] = "2.5",
            ["client.id"] = "x",
        });
        Assert.Equal(5, config.ToConsumerConfig().FetchWaitMaxMs);
        Assert.Equal(SecurityProtocol.SaslSsl, config.ToConsumerConfig().SecurityProtocol);
    }

    [Fact]
    public void A_setting_that_does_not_parse_is_named_in_the_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StreamizClientSettings.Typed("fetch.wait.max.ms", "soon"));
        Assert.Contains("Kafka:Properties:fetch.wait.max.ms", error.Message);
    }

    [Fact]
    public void The_cached_admin_configuration_is_streamizs_own_with_each_callers_client_id()
    {
        var config = new FeatureStreamConfig { ApplicationId = "a", BootstrapServers = "localhost:9092", MetadataMaxAgeMs = 1234 };
        StreamizClientSettings.AddTo(config, new Dictionary<string, string> { ["security.protocol"] = "sasl_ssl" });
        var expected = config.ToAdminConfig("x");

        var first = ((IStreamConfig)config).ToAdminConfig("x");
        var second = ((IStreamConfig)config).ToAdminConfig("y");
        Assert.Equal(expected.OrderBy(p => p.Key), first.OrderBy(p => p.Key));
        Assert.Equal("y", second.ClientId);
        Assert.Equal("x", first.ClientId); // a copy each: one caller's change is not another's
        Assert.Equal(SecurityProtocol.SaslSsl, second.SecurityProtocol);
    }
}
