using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Streaming.Contracts;
using Streaming.Host.Web;
using Streaming.Ingest;
using Streaming.Ingest.Publishing;
using Streaming.Platform.Kafka;

// Ingest throughput on one embedded broker, three ways, same records:
//   raw      Confluent.Kafka producer with the ingest producer's settings: the ceiling
//   library  EventProducer: serialize, validate, key, produce, await every acknowledgement
//   http     POST /v1/events with NDJSON batches from concurrent loopback clients (same process)
// Usage: dotnet run -c Release --project benchmarks/IngestBenchmark [-- --events N --http-batch B --http-clients C]
var events = Argument("--events", 200_000);
var httpBatch = Argument("--http-batch", 1_000);
var httpClients = Argument("--http-clients", 4);

var app = StreamingWebApp.Build(["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning"], "http://127.0.0.1:0");
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
var configs = app.Services.GetRequiredService<KafkaClientConfigs>();
var cluster = (EmbeddedKafkaCluster)app.Services.GetRequiredService<IKafkaCluster>();
var ingest = app.Services.GetRequiredService<IngestOptions>();
cluster.CreateTopic("bench-raw", 4);

var now = DateTimeOffset.UtcNow;
var records = Enumerable.Range(0, events).Select(i => new EntityEvent(
    $"bench-{i}", "flight.departure", now,
    new Dictionary<string, string> { ["origin"] = $"A{i % 300}", ["destination"] = $"B{i % 280}", ["route"] = $"A{i % 300}-B{i % 280}" },
    new Dictionary<string, FieldValue> { ["distance"] = 100 + i % 2500 })).ToArray();
var serialized = records.Select(r => JsonSerializer.SerializeToUtf8Bytes(r, ContractsJsonContext.Default.EntityEvent)).ToArray();
var keys = records.Select(r => Encoding.UTF8.GetBytes(r.PartitionKey)).ToArray();
Console.WriteLine($"{events:N0} events of ~{serialized.Average(s => s.Length):F0} bytes; broker {cluster.BootstrapServers} (embedded); {Environment.ProcessorCount} cores");

// Warm up every path once (JIT, connections, topic metadata).
await RunRaw(Math.Min(5_000, events));
await RunLibrary(Math.Min(5_000, events));
await RunHttp(Math.Min(5_000, events));

var raw = await RunRaw(events);
var library = await RunLibrary(events);
var http = await RunHttp(events);

Console.WriteLine();
Console.WriteLine($"{"path",-10} {"events/s",12} {"of raw",8}");
Console.WriteLine($"{"raw",-10} {raw,12:N0} {1,8:P0}");
Console.WriteLine($"{"library",-10} {library,12:N0} {library / raw,8:P0}");
Console.WriteLine($"{"http",-10} {http,12:N0} {http / raw,8:P0}   (batches of {httpBatch}, {httpClients} clients)");
await app.StopAsync();
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["benchmark"] = "ingest",
    ["events"] = events,
    ["broker"] = "embedded",
    ["raw_events_per_s"] = Math.Round(raw),
    ["library_events_per_s"] = Math.Round(library),
    ["http_events_per_s"] = Math.Round(http),
    ["http_batch"] = httpBatch,
    ["http_clients"] = httpClients,
}));
return 0;

async Task<double> RunRaw(int count)
{
    var config = configs.Producer();
    config.EnableIdempotence = true;
    config.LingerMs = ingest.LingerMs;
    config.CompressionType = CompressionType.Lz4;
    config.QueueBufferingMaxMessages = ingest.MaxInFlight;
    using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
    var errors = 0;
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        while (true)
        {
            try
            {
                producer.Produce("bench-raw", new Message<byte[], byte[]> { Key = keys[i], Value = serialized[i] }, r => { if (r.Error.IsError) Interlocked.Increment(ref errors); });
                break;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(1));
            }
        }
    }
    producer.Flush(TimeSpan.FromMinutes(1));
    return Report("raw", count, clock.Elapsed, errors);
}

async Task<double> RunLibrary(int count)
{
    var producer = app.Services.GetRequiredService<EventProducer>();
    var pending = new Task<RecordOutcome>[count];
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++) pending[i] = await producer.EnqueueAsync(records[i]);
    var outcomes = await Task.WhenAll(pending);
    return Report("library", count, clock.Elapsed, outcomes.Count(o => o.Status != RecordStatus.Accepted));
}

async Task<double> RunHttp(int count)
{
    var bodies = new List<byte[]>();
    for (var start = 0; start < count; start += httpBatch)
    {
        var body = new MemoryStream();
        for (var i = start; i < Math.Min(count, start + httpBatch); i++)
        {
            body.Write(serialized[i]);
            body.WriteByte((byte)'\n');
        }
        bodies.Add(body.ToArray());
    }
    using var http = new HttpClient { BaseAddress = new Uri(address) };
    var next = -1;
    var rejected = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, httpClients).Select(async _ =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < bodies.Count)
        {
            using var content = new ByteArrayContent(bodies[index]);
            content.Headers.ContentType = new("application/x-ndjson");
            using var response = await http.PostAsync("/v1/events", content);
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            Interlocked.Add(ref rejected, answer.RootElement.GetProperty("received").GetInt32() - answer.RootElement.GetProperty("accepted").GetInt32());
        }
    }));
    return Report("http", count, clock.Elapsed, rejected);
}

static double Report(string name, int count, TimeSpan elapsed, int notAccepted)
{
    var rate = count / elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-8} {count,9:N0} events in {elapsed.TotalSeconds,6:F2} s = {rate,10:N0}/s{(notAccepted > 0 ? $"  ({notAccepted} NOT accepted)" : "")}"));
    return rate;
}

int Argument(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
