using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Table;
using Streaming.FeatureStore.Online;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Holds a view's input offsets back until its online-store writes have landed. It stores nothing: Streamiz flushes
/// a task's state stores before it commits the task's offsets, and this one's flush waits for the writes handed to
/// the online store so far. A crash then replays every record whose write was not yet in Redis (at least once; the
/// writes are whole values, so a replay rewrites, never double-counts) instead of committing past it.
/// </summary>
public sealed class OnlineWriteBarrier(string name, IOnlineFeatureSink sink) : IStateStore
{
    public static string StoreName(Definitions.FeatureView view) => $"{view.Name}-online-writes";

    public string Name => name;
    public bool Persistent => false;
    public bool IsLocally => true;
    public bool IsOpen { get; private set; }

    public void Init(ProcessorContext context, IStateStore root)
    {
        context.Register(root, null);
        IsOpen = true;
    }

    public void Flush() => sink.WaitForWrites();

    public void Close() => IsOpen = false;

    /// <summary>Streamiz builds each task's stores from a builder; this store has no changelog and no cache.</summary>
    public sealed class Builder(string name, IOnlineFeatureSink sink) : IStoreBuilder<OnlineWriteBarrier>
    {
        public bool IsWindowStore => false;
        public long RetentionMs => -1;
        public IDictionary<string, string> LogConfig { get; } = new Dictionary<string, string>();
        public bool LoggingEnabled => false;
        public string Name => name;
        public CacheSize? CacheSize => null;

        public OnlineWriteBarrier Build(IStreamConfig config) => new(name, sink);

        IStateStore IStoreBuilder.Build(IStreamConfig config) => Build(config);

        public IStoreBuilder<OnlineWriteBarrier> WithCachingEnabled(CacheSize? cacheSize = null) => this;
        public IStoreBuilder<OnlineWriteBarrier> WithCachingDisabled() => this;
        public IStoreBuilder<OnlineWriteBarrier> WithLoggingEnabled(IDictionary<string, string> config) => this;
        public IStoreBuilder<OnlineWriteBarrier> WithLoggingDisabled() => this;

        public void CacheExplicitlySet()
        {
        }
    }
}
