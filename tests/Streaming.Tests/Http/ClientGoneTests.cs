using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Ingest;
using Streaming.Ingest.Validation;
using Streaming.Serving;
using Streaming.Tests.Serving;
using Streaming.Tests.Support;

namespace Streaming.Tests.Http;

/// <summary>
/// A client that goes away before its request body has arrived is answered 400 body_incomplete and counted, not
/// answered (and logged) as a server error: a load generator stopping mid-request made a node log "fail" for each.
/// </summary>
public sealed class ClientGoneTests
{
    [Fact]
    public async Task A_prediction_whose_body_breaks_off_is_a_counted_400_not_a_500()
    {
        await using var serving = await ServingHost.StartAsync();
        await serving.WaitForVersionAsync(0);
        await SendHalfAndCloseAsync(serving.Http.BaseAddress!, $"/v1/models/{ServingHost.Model}/predict", """{"keys":""");

        var metrics = serving.Host.Services.GetRequiredService<ServingMetrics>();
        await Eventually.TrueAsync(() => metrics.Rejected.WithLabels(Reason).Value > 0, TimeSpan.FromSeconds(10), "the cut-off prediction counted");
        Assert.Equal(1, metrics.Rejected.WithLabels(Reason).Value);
        Assert.Equal(1, metrics.Requests.WithLabels("predict", "400").Value);
        Assert.Equal(0, metrics.Requests.WithLabels("predict", "500").Value);
        Assert.DoesNotContain("code=\"500\"", await serving.Host.MetricsAsync()); // nor in the HTTP metrics
    }

    [Fact]
    public async Task Events_whose_body_breaks_off_are_dead_lettered_with_what_arrived_and_counted_rejected()
    {
        await using var host = await RunningHost.StartAsync();
        const string part = """[{"id":"a","type":"test",""";
        await SendHalfAndCloseAsync(host.Http.BaseAddress!, "/v1/events", part);

        var metrics = host.Services.GetRequiredService<IngestMetrics>();
        await Eventually.TrueAsync(() => metrics.Rejected.WithLabels("events", "http", Reason).Value > 0, TimeSpan.FromSeconds(10), "the cut-off body counted");
        Assert.Equal(1, metrics.Rejected.WithLabels("events", "http", Reason).Value);
        Assert.Equal(1, metrics.Received.WithLabels("events", "http").Value); // received = accepted + rejected
        Assert.Equal(0, metrics.Accepted.WithLabels("events", "http").Value);
        var deadLetters = KafkaReader.ReadAll(host.Bootstrap, Topics.DeadLetter, 1, TimeSpan.FromSeconds(20));
        Assert.Contains(deadLetters, r => r.Header(DeadLetterHeaders.Reason) == Reason && Encoding.UTF8.GetString(r.Message.Value) == part);
        Assert.DoesNotContain("code=\"500\"", await host.MetricsAsync());
    }

    private const string Reason = RejectionReasons.BodyIncomplete;

    /// <summary>Declares a 200-byte JSON body, sends <paramref name="part"/> of it, and closes the connection.</summary>
    private static async Task SendHalfAndCloseAsync(Uri address, string path, string part)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var head = $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{part}";
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
        await Task.Delay(300); // the handler is reading the body by now
    }
}
