using System.Net;
using System.Net.Sockets;
using Garnet;
using Microsoft.Extensions.Logging;

namespace Streaming.Platform.Redis;

/// <summary>
/// Microsoft Garnet, a RESP server, running inside this process on 127.0.0.1. Clients reach it through
/// StackExchange.Redis exactly as they would a remote Redis; nothing is persisted.
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    /// <remarks>
    /// Garnet logs its own configuration at length at Information, so it keeps its own console logger,
    /// at Warning: what it says then is worth an operator's attention.
    /// </remarks>
    public EmbeddedGarnet(int port = 0, string memory = "256m", ILoggerFactory? loggerFactory = null)
    {
        Port = port == 0 ? FreeLoopbackPort() : port;
        _server = new GarnetServer(
            ["--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--memory", memory, "--index", "64m", "-q", "--logger-level", "Warning",
             // Lua: the online feature store writes a window only when it is not older than the one stored.
             "--lua"]);
        _server.Start();
        loggerFactory?.CreateLogger<EmbeddedGarnet>().LogInformation("Embedded Redis (Garnet) listening on {Endpoint}", Endpoint);
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string that reaches this server.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public void Dispose() => _server.Dispose();

    private static int FreeLoopbackPort()
    {
        // Garnet needs a concrete port; ask the OS for a free one and hand it over.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
