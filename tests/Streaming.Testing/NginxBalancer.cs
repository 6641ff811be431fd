using System.Diagnostics;

namespace Streaming.Testing;

/// <summary>
/// Debian's nginx in the foreground with the shipped balancer configuration (compose/nginx/nginx.conf), its upstream
/// names and listen port replaced by loopback ports: the serving tier as compose runs it, for tests and benchmarks.
/// </summary>
public sealed class NginxBalancer : IAsyncDisposable
{
    private readonly Process _process;

    private NginxBalancer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>nginx's path, or null when it is not installed (apt-get install -y nginx).</summary>
    public static string? Executable { get; } = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);

    public Uri Address { get; }

    /// <summary>The shipped configuration: compose/nginx/nginx.conf of this checkout.</summary>
    public static string ShippedConfiguration => Path.Combine(Repository.Root, "compose", "nginx", "nginx.conf");

    /// <summary>
    /// The shipped configuration with serve-1 and serve-2 at <paramref name="nodePorts"/> and the balancer listening on
    /// <paramref name="port"/>, written to a folder of its own (nginx's prefix); returns the file.
    /// </summary>
    public static string WriteConfiguration(IReadOnlyList<int> nodePorts, int port)
    {
        var folder = Directory.CreateTempSubdirectory("balancer-").FullName;
        var text = File.ReadAllText(ShippedConfiguration).Replace("listen 8083;", $"listen 127.0.0.1:{port};");
        for (var node = 0; node < nodePorts.Count; node++) text = text.Replace($"serve-{node + 1}:8083", $"127.0.0.1:{nodePorts[node]}");
        var file = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(file, text);
        return file;
    }

    /// <summary>nginx's arguments for a configuration file written by <see cref="WriteConfiguration"/>, before any of its own (-t).</summary>
    public static IEnumerable<string> Arguments(string file)
    {
        var folder = Path.GetDirectoryName(file)!;
        return ["-p", folder, "-c", file, "-g", $"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;"];
    }

    /// <summary>Starts nginx on <paramref name="port"/> in front of serve-1 and serve-2 at <paramref name="nodePorts"/>.</summary>
    public static NginxBalancer Start(IReadOnlyList<int> nodePorts, int port, Action<string>? output = null)
    {
        var executable = Executable ?? throw new InvalidOperationException("nginx is not installed (apt-get install -y nginx).");
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in Arguments(WriteConfiguration(nodePorts, port))) start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start nginx.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke($"[nginx] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke($"[nginx] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NginxBalancer(process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>
    /// Returns once nginx accepts connections on its port (it starts listening a moment after it starts; a load generator
    /// that connects first is refused); throws when nginx exits instead, or is not listening within <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"nginx exited with code {_process.ExitCode} before it listened on {Address}; its output is above.");
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(Address.Host, Address.Port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (deadline.Elapsed < timeout)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
