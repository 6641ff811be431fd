using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Streaming.Contracts;
using Streaming.Platform.Kafka;
using Streaming.Platform.Redis;
using Streaming.Testing;
using Streaming.Tests.Support;
using Xunit.Abstractions;

namespace Streaming.Tests.Deploy;

/// <summary>
/// The serving tier as compose runs it: two `serve` processes behind nginx with compose/nginx/nginx.conf (only the
/// addresses changed), on one embedded broker and Garnet. One node is SIGKILLed under load; the other goes on.
/// </summary>
public sealed class BalancedServingTests(ITestOutputHelper output)
{
    private const int Clients = 8;
    private const string Body = """{"keys":{"origin":"SFO","destination":"LAX","route":"SFO-LAX"},"fields":{"distance":337}}""";

    [SkippableFact]
    public async Task A_node_killed_under_load_costs_at_most_its_in_flight_requests_and_the_other_answers_the_rest()
    {
        InstalledTool.Require("nginx", "nginx");
        using var kafka = new EmbeddedKafkaCluster();
        using var redis = new EmbeddedGarnet();
        await kafka.EnsureTopicsAsync(Topics.All(2), CancellationToken.None);
        var ports = new[] { FreePort(), FreePort(), FreePort() };
        var nodes = ports[..2].Select((port, i) => StartNode(kafka, redis, port, $"serve-{i + 1}")).ToArray();
        await using var balancer = NginxBalancer.Start(ports[..2], ports[2], output.WriteLine);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            foreach (var port in ports[..2])
                await Eventually.TrueAsync(async () => await StatusAsync(http, $"http://127.0.0.1:{port}/readyz") == HttpStatusCode.OK, TimeSpan.FromSeconds(90), $"node on {port} ready");
            var front = balancer.Address;
            await Eventually.TrueAsync(async () => await StatusAsync(http, new Uri(front, "/readyz").ToString()) == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "balancer up");

            var answers = new ConcurrentQueue<(DateTime At, HttpStatusCode? Status)>();
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    HttpStatusCode? status;
                    try
                    {
                        using var response = await http.PostAsync(new Uri(front, "/v1/models/flights-delay/predict"), new StringContent(Body, Encoding.UTF8, "application/json"));
                        status = response.StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        status = null; // the balancer closed the connection
                    }
                    answers.Enqueue((DateTime.UtcNow, status));
                }
            })).ToArray();

            await Task.Delay(TimeSpan.FromSeconds(3));
            var killedAt = DateTime.UtcNow;
            nodes[0].Kill(entireProcessTree: true);
            await nodes[0].WaitForExitAsync();
            await Task.Delay(TimeSpan.FromSeconds(4));
            await stop.CancelAsync();
            await Task.WhenAll(load);

            var before = answers.Where(a => a.At < killedAt).ToList();
            var after = answers.Where(a => a.At >= killedAt).ToList();
            var failed = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
            var summary = $"{before.Count} answers before the kill, {after.Count} after; failures: " +
                          string.Join(", ", failed.GroupBy(a => a.Status?.ToString() ?? "connection closed").Select(g => $"{g.Key} ×{g.Count()}"));
            output.WriteLine(summary);
            Assert.True(before.Count > 100 && before.All(a => a.Status == HttpStatusCode.OK), summary);
            // Each client has one request outstanding, so the node had at most Clients in flight when it died.
            Assert.True(failed.Count <= Clients, summary);
            Assert.True(after.Count(a => a.Status == HttpStatusCode.OK) > 100, summary);
            var settled = after.Where(a => a.At > killedAt.AddSeconds(1)).ToList();
            Assert.True(settled.Count > 0 && settled.All(a => a.Status == HttpStatusCode.OK), summary);
        }
        finally
        {
            foreach (var node in nodes)
            {
                if (!node.HasExited) node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
                node.Dispose();
            }
        }
    }

    private Process StartNode(EmbeddedKafkaCluster kafka, EmbeddedGarnet redis, int port, string name) => HostProcess.Start(
        [
            "serve", "--urls", $"http://127.0.0.1:{port}", "--Serving:Device=cpu",
            $"--Kafka:BootstrapServers={kafka.BootstrapServers}", $"--Redis:Configuration={redis.Endpoint}",
            "--Logging:LogLevel:Default=Warning",
        ],
        line =>
        {
            if (line.Contains("fail", StringComparison.OrdinalIgnoreCase) || line.Contains("crit", StringComparison.OrdinalIgnoreCase)) output.WriteLine($"[{name}] {line}");
        });

    private static async Task<HttpStatusCode?> StatusAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
