using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Streaming.FeatureStore.Streams;

/// <summary>
/// The logger factory handed to Streamiz. Streamiz keeps the first factory it is given in static fields
/// for the life of the process, so a host's own factory, disposed with the host, would break every later
/// pipeline in the same process (a restart, a second test host). This one never goes away: it forwards to
/// the factory of the host currently running a pipeline, or nowhere between hosts.
/// </summary>
internal sealed class StreamizLogging : ILoggerFactory
{
    public static StreamizLogging Instance { get; } = new();

    private volatile ILoggerFactory? _current;

    private StreamizLogging()
    {
    }

    public void Attach(ILoggerFactory factory) => _current = factory;

    public void Detach(ILoggerFactory factory) => Interlocked.CompareExchange(ref _current, null, factory);

    public ILogger CreateLogger(string categoryName) => new Forwarding(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Forwarding(StreamizLogging owner, string category) : ILogger
    {
        private ILoggerFactory? _factory;
        private ILogger _logger = NullLogger.Instance;

        private ILogger Inner
        {
            get
            {
                var factory = owner._current;
                if (factory is null) return NullLogger.Instance;
                if (!ReferenceEquals(factory, _factory))
                {
                    try
                    {
                        _logger = factory.CreateLogger(category);
                    }
                    catch (ObjectDisposedException)
                    {
                        return NullLogger.Instance; // a host disposed without stopping its pipeline
                    }
                    _factory = factory;
                }
                return _logger;
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => Inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => Inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
