using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Streaming.Flights;
using Streaming.Host.Commands;
using Streaming.Offline.Backfill;

// Backfill throughput over the flights file, beside the rate of merely reading it (the ceiling), in one run:
//   read       Parquet rows decoded into FlightRow objects, nothing else
//   backfill   the same rows as the replay publishes them (a departure event, and its delay label when it lands),
//              folded into the four flights views, each label joined point in time with its departure's features
//   + training set   the same, writing the training set to Parquet
// Rates are in file rows per second (a row is one event and, mostly, one label).
// Usage: dotnet run -c Release --project benchmarks/BackfillBenchmark [-- --data PATH --rows N]
var data = Argument("--data", File.Exists("../shared/data/flights-3m.parquet") ? "../shared/data/flights-3m.parquet"
    : Path.Combine(AppContext.BaseDirectory, "data", "flights-sample.parquet"));
long? limit = Argument("--rows", "") is { Length: > 0 } rows ? long.Parse(rows, CultureInfo.InvariantCulture) : null;
Console.WriteLine($"{Path.GetFullPath(data)}{(limit is null ? "" : $", first {limit:N0} rows")}; {Environment.ProcessorCount} cores");

var (readRows, readSeconds) = await TimeAsync(async () =>
{
    long count = 0;
    await foreach (var _ in new FlightsReplaySource(data, limit).ReadRowsAsync(CancellationToken.None)) count++;
    return count;
});
Console.WriteLine($"read       {readRows,12:N0} rows in {readSeconds,6:F1} s = {readRows / readSeconds,10:N0} rows/s");

BackfillRun? last = null;
var (backfillRows, backfillSeconds) = await TimeAsync(() => Backfill(null));
Console.WriteLine($"backfill   {backfillRows,12:N0} rows in {backfillSeconds,6:F1} s = {backfillRows / backfillSeconds,10:N0} rows/s ({backfillRows / backfillSeconds / (readRows / readSeconds):P0} of read); " +
    $"{last!.Features.Records:N0} records, {last.Examples:N0} examples, {last.Features.Latest().Count():N0} online values");
var trainingSet = Path.Combine(Path.GetTempPath(), $"training-{Guid.NewGuid():N}.parquet");
var (setRows, setSeconds) = await TimeAsync(() => Backfill(trainingSet));
var setBytes = new FileInfo(trainingSet).Length;
File.Delete(trainingSet);
Console.WriteLine($"+ set      {setRows,12:N0} rows in {setSeconds,6:F1} s = {setRows / setSeconds,10:N0} rows/s ({setRows / setSeconds / (readRows / readSeconds):P0} of read); training set {setBytes / 1e6:N0} MB");
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["benchmark"] = "backfill",
    ["rows"] = readRows,
    ["read_rows_per_s"] = Math.Round(readRows / readSeconds),
    ["backfill_rows_per_s"] = Math.Round(backfillRows / backfillSeconds),
    ["backfill_with_training_set_rows_per_s"] = Math.Round(setRows / setSeconds),
    ["backfill_vs_read"] = Math.Round(backfillRows / backfillSeconds / (readRows / readSeconds), 3),
    ["examples"] = last.Examples,
}));
return 0;

async Task<long> Backfill(string? output)
{
    last = new BackfillRun(FlightFeatureViews.Set, TimeSpan.FromDays(3));
    var progress = Stopwatch.StartNew();
    var history = FlightsHistory.ReadAsync(data, limit).Select(record =>
    {
        if (progress.Elapsed > TimeSpan.FromSeconds(10))
        {
            Console.Error.WriteLine($"  … {last.Features.Records:N0} records, at {record.Time:u}");
            progress.Restart();
        }
        return record;
    });
    await last.RunAsync(history, output, CancellationToken.None);
    return readRows;
}

static async Task<(long Rows, double Seconds)> TimeAsync(Func<Task<long>> run)
{
    var clock = Stopwatch.StartNew();
    var rows = await run();
    return (rows, clock.Elapsed.TotalSeconds);
}

string Argument(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
