using System.CommandLine;
using Parquet.Serialization;
using Streaming.Flights;

namespace Streaming.Host.Commands;

/// <summary>`sample`: the first N rows of a flights Parquet file, as the committed demo/test sample is made.</summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The full flights-3m.parquet.", Required = true };
        var rows = new Option<int>("--rows") { Description = "Rows to keep, from the start (data is time-ordered).", DefaultValueFactory = _ => 100_000 };
        var output = new Option<string>("--out") { Description = "Where to write the sample.", Required = true };
        var command = new Command("sample", "Write the first rows of a flights Parquet file to a smaller one.") { data, rows, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var source = new FlightsReplaySource(result.GetValue(data)!, result.GetValue(rows));
            var kept = new List<FlightRow>(result.GetValue(rows));
            await foreach (var row in source.ReadRowsAsync(cancellationToken)) kept.Add(row);
            await ParquetSerializer.SerializeAsync(kept, result.GetValue(output)!, cancellationToken: cancellationToken);
            Console.WriteLine($"Wrote {kept.Count:N0} rows to {result.GetValue(output)} ({new FileInfo(result.GetValue(output)!).Length:N0} bytes).");
            return 0;
        });
        return command;
    }
}
