using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Table;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Holds a task's input offsets back until its tiles are in the online store. It stores nothing itself: Streamiz
/// flushes a task's state stores before it commits the task's offsets, and this store's flush is the tile
/// processor's (<see cref="TileProcessor"/>), so no offset is committed past a tile that is not in Redis.
/// </summary>
internal sealed class TileFlushStore(string name) : IStateStore
{
    public static string StoreName(string topic) => $"{topic}-tiles";

    /// <summary>What a flush does: set by the processor of the task when Streamiz initialises it.</summary>
    public Action? Flushing { get; set; }

    public string Name => name;
    public bool Persistent => false;
    public bool IsLocally => true;
    public bool IsOpen { get; private set; }

    public void Init(ProcessorContext context, IStateStore root)
    {
        context.Register(root, null);
        IsOpen = true;
    }

    public void Flush() => Flushing?.Invoke();

    public void Close() => IsOpen = false;

    /// <summary>Streamiz builds each task's stores from a builder; this store has no changelog and no cache.</summary>
    public sealed class Builder(string name) : IStoreBuilder<TileFlushStore>
    {
        public bool IsWindowStore => false;
        public long RetentionMs => -1;
        public IDictionary<string, string> LogConfig { get; } = new Dictionary<string, string>();
        public bool LoggingEnabled => false;
        public string Name => name;
        public CacheSize? CacheSize => null;

        public TileFlushStore Build(IStreamConfig config) => new(name);

        IStateStore IStoreBuilder.Build(IStreamConfig config) => Build(config);

        public IStoreBuilder<TileFlushStore> WithCachingEnabled(CacheSize? cacheSize = null) => this;
        public IStoreBuilder<TileFlushStore> WithCachingDisabled() => this;
        public IStoreBuilder<TileFlushStore> WithLoggingEnabled(IDictionary<string, string> config) => this;
        public IStoreBuilder<TileFlushStore> WithLoggingDisabled() => this;

        public void CacheExplicitlySet()
        {
        }
    }
}
