using System.Net;
using System.Text;
using System.Text.Json;
using Streaming.Contracts;
using Streaming.Tests.Support;

namespace Streaming.Tests;

/// <summary>10,000 records through HTTP: every bad one ends in the dead-letter topic with its reason, none on the main topic.</summary>
public sealed class DeadLetterTests
{
    [Fact]
    public async Task Ten_thousand_bad_records_are_dead_lettered_with_the_right_reason_and_counters_add_up()
    {
        await using var host = await RunningHost.StartAsync();
        const int total = 11_000, goodEvery = 11; // 1,000 good records mixed in, 10,000 bad
        var now = DateTimeOffset.UtcNow;
        var expected = new Dictionary<string, string>();
        var goodLines = new HashSet<string>();
        for (var batch = 0; batch < total; batch += 1000)
        {
            var lines = new List<string>();
            for (var i = batch; i < batch + 1000; i++)
            {
                var (line, reason) = BadRecords.Make(i, now, goodEvery);
                lines.Add(line);
                if (reason is null) goodLines.Add(line);
                else expected.Add(line, reason);
            }
            using var content = new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson");
            using var response = await host.Http.PostAsync("/v1/events", content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(1000, body.RootElement.GetProperty("received").GetInt32());
            // Every rejected record is either listed (up to Ingest:MaxErrors, 100) or counted as omitted.
            var listed = body.RootElement.GetProperty("errors").GetArrayLength();
            Assert.Equal(Math.Min(100, body.RootElement.GetProperty("rejected").GetInt32()), listed);
            Assert.Equal(body.RootElement.GetProperty("rejected").GetInt32(), listed + body.RootElement.GetProperty("errorsOmitted").GetInt32());
        }
        Assert.Equal(10_000, expected.Count);
        Assert.Equal(1_000, goodLines.Count);
        Assert.Equal(BadRecords.Classes.Select(c => c.Reason).Distinct().Count(), expected.Values.Distinct().Count());

        var deadLetters = KafkaReader.ReadAll(host.Bootstrap, Topics.DeadLetter, 10_000, TimeSpan.FromSeconds(60));
        Assert.Equal(10_000, deadLetters.Count);
        foreach (var record in deadLetters)
        {
            var original = Encoding.UTF8.GetString(record.Message.Value);
            Assert.True(expected.TryGetValue(original, out var reason), "dead-letter record is not one that was sent: " + original[..Math.Min(80, original.Length)]);
            Assert.Equal(reason, record.Header(DeadLetterHeaders.Reason));
            Assert.Equal("events", record.Header(DeadLetterHeaders.Stream));
            Assert.Equal("http", record.Header(DeadLetterHeaders.Source));
            Assert.NotEmpty(record.Header(DeadLetterHeaders.Detail));
        }
        Assert.Equal(10_000, deadLetters.Select(r => Encoding.UTF8.GetString(r.Message.Value)).Distinct().Count());

        var events = KafkaReader.ReadAll(host.Bootstrap, Topics.Events, 1_000, TimeSpan.FromSeconds(30));
        Assert.Equal(goodLines.OrderBy(l => l), events.Select(r => Encoding.UTF8.GetString(r.Message.Value)).OrderBy(l => l));

        var metrics = await host.MetricsAsync();
        var received = MetricsText.Sum(metrics, "streaming_ingest_received_total", "stream=\"events\"");
        var accepted = MetricsText.Sum(metrics, "streaming_ingest_accepted_total", "stream=\"events\"");
        var rejected = MetricsText.Sum(metrics, "streaming_ingest_rejected_total", "stream=\"events\"");
        Assert.Equal(11_000, received);
        Assert.Equal(1_000, accepted);
        Assert.Equal(10_000, rejected);
        Assert.Equal(received, accepted + rejected);
        Assert.Equal(0, MetricsText.Sum(metrics, "streaming_ingest_failed_total"));
    }
}
