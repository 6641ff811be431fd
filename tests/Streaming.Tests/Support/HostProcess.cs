using System.Diagnostics;
using Streaming.Host.Commands;

namespace Streaming.Tests.Support;

/// <summary>The host (`streaming`) as a process of its own, for tests that kill it outright (SIGKILL, no shutdown).</summary>
public static class HostProcess
{
    /// <summary>Starts `streaming` with the arguments (a command, then settings); its output lines go to <paramref name="output"/>, else nowhere.</summary>
    public static Process Start(IEnumerable<string> arguments, Action<string>? output = null)
    {
        var host = typeof(DemoCommand).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(host)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(host);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        // Read both streams whatever the caller wants of them: a full pipe would block the host.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
