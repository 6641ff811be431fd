using System.Runtime;
using Prometheus;

namespace Streaming.Host.Web;

/// <summary>
/// What the runtime takes from request threads, beside prometheus-net's DotNetStats (which counts collections but
/// not their pauses): time paused for garbage collection and time spent compiling. A latency spike that lines up
/// with either is the runtime's, not the service's.
/// </summary>
internal static class RuntimePauseMetrics
{
    public static void Register(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var paused = factory.CreateCounter("dotnet_gc_pause_seconds_total", "Time the process was paused for garbage collection.");
        var compiling = factory.CreateCounter("dotnet_jit_compilation_seconds_total", "Time threads spent in the JIT compiler (tiering up included).");
        var compiled = factory.CreateCounter("dotnet_jit_compiled_methods_total", "Methods the JIT compiled (each tier counts).");
        registry.AddBeforeCollectCallback(() =>
        {
            paused.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
            compiling.IncTo(JitInfo.GetCompilationTime().TotalSeconds);
            compiled.IncTo(JitInfo.GetCompiledMethodCount());
        });
    }
}
