using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Streaming.Drift;
using Streaming.Drift.Detectors;

// Cost of one detector update, in ns, on one thread: ADWIN and Page-Hinkley over a 0/1 error stream with a
// change every 100,000 values (so ADWIN's window grows and is cut, as in use), and the concept-drift monitor
// (both detectors, alert bookkeeping) per example. The reference is River's published ADWIN figure, about
// 3.5 µs per update (River is not installable here: no PyPI), so it is quoted, not run.
// Usage: dotnet run -c Release --project benchmarks/DriftBenchmark [-- --updates N]
var updates = args.Length > 1 && args[0] == "--updates" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000_000;
const double RiverAdwinNs = 3_500;

var random = new Random(3);
var stream = new double[updates];
for (var i = 0; i < updates; i++) stream[i] = random.NextDouble() < (i / 100_000 % 2 == 0 ? 0.1 : 0.2) ? 1 : 0;
Console.WriteLine($"{updates:N0} updates of a 0/1 error stream (rate 10 % / 20 %, switching every 100,000); {Environment.ProcessorCount} cores");

var adwin = Time(() => new Adwin());
var pageHinkley = Time(() => new PageHinkley(delta: 0.01));
var monitor = new ConceptDriftMonitor(new DriftOptions { PageHinkleyDelta = 0.01 });
var now = DateTimeOffset.UnixEpoch;
for (var i = 0; i < 200_000; i++) monitor.Observe("m", 1, "loss", stream[i], now); // warm-up
var clock = Stopwatch.StartNew();
long alerts = 0;
for (var i = 0; i < updates; i++) alerts += monitor.Observe("m", 1, "loss", stream[i], now).Count;
var monitorNs = clock.Elapsed.TotalNanoseconds / updates;

Console.WriteLine();
Console.WriteLine($"{"detector",-28} {"ns/update",10} {"vs River ADWIN (3.5 µs)",26} {"detections",11}");
Console.WriteLine($"{"ADWIN (δ 0.0002, clock 32)",-28} {adwin.Ns,10:F1} {RiverAdwinNs / adwin.Ns,25:F0}× {adwin.Detections,11:N0}");
Console.WriteLine($"{"Page-Hinkley (δ 0.01, λ 50)",-28} {pageHinkley.Ns,10:F1} {"",26} {pageHinkley.Detections,11:N0}");
Console.WriteLine($"{"monitor: both + alerts",-28} {monitorNs,10:F1} {"",26} {alerts,11:N0} alert records");
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["benchmark"] = "drift",
    ["updates"] = updates,
    ["adwin_ns_per_update"] = Math.Round(adwin.Ns, 1),
    ["page_hinkley_ns_per_update"] = Math.Round(pageHinkley.Ns, 1),
    ["monitor_ns_per_example"] = Math.Round(monitorNs, 1),
    ["river_adwin_ns_per_update_published"] = RiverAdwinNs,
    ["adwin_speedup_vs_river"] = Math.Round(RiverAdwinNs / adwin.Ns, 1),
    ["adwin_detections"] = adwin.Detections,
}));
return 0;

(double Ns, int Detections) Time(Func<IDriftDetector> create)
{
    var warm = create();
    for (var i = 0; i < 200_000; i++) warm.Update(stream[i]); // JIT to its final tier before timing
    var detector = create();
    var detections = 0;
    var started = Stopwatch.GetTimestamp();
    for (var i = 0; i < stream.Length; i++) if (detector.Update(stream[i])) detections++;
    return (Stopwatch.GetElapsedTime(started).TotalNanoseconds / stream.Length, detections);
}
