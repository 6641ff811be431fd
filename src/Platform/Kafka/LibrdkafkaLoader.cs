using System.Reflection;
using System.Runtime.InteropServices;

namespace Streaming.Platform.Kafka;

/// <summary>
/// Chooses which librdkafka build Confluent.Kafka and our mock-cluster P/Invokes load, once per process.
/// Why: the default linux-x64 librdkafka.so in librdkafka.redist links libsasl2.so.3, absent on a fresh
/// Debian, while centos8-librdkafka.so beside it links only glibc; and Confluent's own
/// <c>Library.Load(path)</c> dlopens "libdl", which Debian ships only as libdl.so.2. So we resolve the
/// import names ourselves: "librdkafka" to the first build that loads, "libdl" to libdl.so.2.
/// </summary>
internal static class LibrdkafkaLoader
{
    private static readonly Lazy<IntPtr> Handle = new(LoadFirstWorking);
    private static int _installed;

    /// <summary>Where the library was loaded from, for logs.</summary>
    public static string? LoadedFrom { get; private set; }

    /// <summary>Installs the resolvers; safe to call any number of times, from any thread.</summary>
    public static void EnsureInstalled()
    {
        // Elsewhere than Linux the package's default build has no such problem: leave resolution to .NET.
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _installed, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(Confluent.Kafka.Library).Assembly, Resolve);
        NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaLoader).Assembly, Resolve);
    }

    /// <summary>The loaded librdkafka handle (loads it on first use).</summary>
    internal static IntPtr NativeHandle => Handle.Value;

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        "librdkafka" => Handle.Value,
        "libdl" when NativeLibrary.TryLoad("libdl.so.2", out var dl) => dl,
        _ => IntPtr.Zero,
    };

    private static IntPtr LoadFirstWorking()
    {
        var errors = new List<string>();
        foreach (var candidate in Candidates())
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                var handle = NativeLibrary.Load(candidate);
                LoadedFrom = candidate;
                return handle;
            }
            catch (DllNotFoundException e)
            {
                errors.Add($"{candidate}: {e.Message}");
            }
        }
        throw new DllNotFoundException(
            "No librdkafka build could be loaded. Tried: " + string.Join("; ", errors) +
            ". Restore the Confluent.Kafka package (it brings librdkafka.redist), or install libsasl2-2.");
    }

    private static IEnumerable<string> Candidates()
    {
        var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", $"linux-{arch}", "native");
        if (arch == "x64") yield return Path.Combine(native, "centos8-librdkafka.so");
        yield return Path.Combine(native, "librdkafka.so");
    }
}
