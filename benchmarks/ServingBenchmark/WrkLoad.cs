using System.Diagnostics;
using System.Text.Json;

namespace Streaming.Benchmarks.Serving;

/// <summary>
/// The same closed-loop load from Debian's wrk (C, one thread), when it is installed: a lighter load generator
/// than HttpClient, so on two shared cores more of the machine is left to the server. wrk reports
/// percentiles of its own histogram (µs) through the Lua done() hook. wrk corrects for coordinated omission:
/// a response slower than the connection's mean interval adds the samples a constant-rate client would have
/// seen queue behind it, so one stall of a few milliseconds moves the p99 of a short run.
/// </summary>
/// <param name="bodies">JSON bodies POSTed in turn; null: GET <paramref name="path"/>.</param>
public sealed class WrkLoad(Uri server, IReadOnlyList<string>? bodies, string path) : ILoad
{
    public static bool Available => File.Exists("/usr/bin/wrk");

    public string Name => "wrk (one thread, its own process)";

    public async Task<LoadResult> RunAsync(int connections, TimeSpan duration)
    {
        var folder = Directory.CreateTempSubdirectory("wrk-");
        try
        {
            var bodiesFile = Path.Combine(folder.FullName, "bodies.txt");
            await File.WriteAllLinesAsync(bodiesFile, bodies ?? []);
            var script = Path.Combine(folder.FullName, "predict.lua");
            await File.WriteAllTextAsync(script, $$"""
                local bodies = {}
                for line in io.lines("{{bodiesFile}}") do bodies[#bodies + 1] = line end
                local i = 0
                request = function()
                  if #bodies == 0 then return wrk.format("GET", "{{path}}") end
                  i = i % #bodies + 1
                  return wrk.format("POST", "{{path}}", { ["Content-Type"] = "application/json" }, bodies[i])
                end
                done = function(summary, latency, requests)
                  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
                  io.write(string.format("WRK {\"requests\":%d,\"seconds\":%f,\"errors\":%d,\"p50\":%d,\"p99\":%d,\"p999\":%d}\n",
                    summary.requests, summary.duration / 1e6, errors, latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
                end
                """);
            var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])["-t1", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--timeout", "10s", "-s", script, server.ToString().TrimEnd('/')])
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("WRK ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("wrk printed no summary: " + output + await process.StandardError.ReadToEndAsync());
            var json = JsonDocument.Parse(line[4..]).RootElement;
            var errors = json.GetProperty("errors").GetInt64();
            return new LoadResult(json.GetProperty("requests").GetInt64() / json.GetProperty("seconds").GetDouble(),
                json.GetProperty("p50").GetDouble(), json.GetProperty("p99").GetDouble(), json.GetProperty("p999").GetDouble(),
                json.GetProperty("requests").GetInt64(), errors,
                errors == 0 ? new Dictionary<string, long>() : new Dictionary<string, long> { ["wrk: non-2xx or socket errors"] = errors });
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

}
