using Confluent.Kafka;
using Streamiz.Kafka.Net;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Carries the Kafka client settings configured for every client (<c>Kafka:Properties</c>) into Streamiz. Streamiz
/// stores each under its typed Confluent property, so a number or an enum given as configuration text fails there
/// ("String cannot be converted to Nullable&lt;Int32&gt;") and the pipeline would not start: the text is parsed
/// here by Confluent's own config classes into the type their property has.
/// </summary>
internal static class StreamizClientSettings
{
    public static void AddTo(StreamConfig config, IEnumerable<KeyValuePair<string, string>> settings)
    {
        foreach (var (key, value) in settings) config.AddConfig(key, Typed(key, value));
    }

    /// <summary>The value as the Confluent property of that name holds it (int, bool, enum…); the text itself when none does.</summary>
    public static object Typed(string key, string value)
    {
        foreach (var parsed in new ClientConfig[] { new ConsumerConfig(), new ProducerConfig() })
        {
            parsed.Set(key, value);
            foreach (var property in parsed.GetType().GetProperties())
            {
                if (property.GetMethod is null || property.GetIndexParameters().Length > 0 || property.PropertyType == typeof(string)) continue;
                object? typed;
                try
                {
                    typed = property.GetValue(parsed);
                }
                catch (System.Reflection.TargetInvocationException e)
                {
                    throw new InvalidOperationException($"Kafka:Properties:{key} is '{value}', which is not a valid {Nullable.GetUnderlyingType(property.PropertyType)?.Name ?? property.PropertyType.Name}.", e.InnerException);
                }
                if (typed is not null and not IEnumerable<KeyValuePair<string, string>>) return typed;
            }
        }
        return value;
    }
}
