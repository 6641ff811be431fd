using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Streaming.Benchmarks.Learner;

public sealed record ScikitResult(string Setting, double LogLoss, double Accuracy, double ExamplesPerSecond, string Version);

/// <summary>
/// The reference: scikit-learn's SGDClassifier.partial_fit (Debian python3-sklearn) over the very same
/// hashed rows, exported as CSR without the bias slot (scikit-learn fits its own intercept).
/// </summary>
public static class ScikitLearn
{
    public static async Task<(List<ScikitResult> Results, string? Unavailable)> RunAsync(FlightStream stream, int biasSlot, string python)
    {
        var folder = Directory.CreateTempSubdirectory("learner-bench-");
        try
        {
            Export(stream, biasSlot, folder.FullName);
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = false };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sklearn_progressive.py"));
            start.ArgumentList.Add(folder.FullName);
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return ([], $"{python} could not be started ({e.Message}); install Debian's python3-sklearn or pass --python.");
            }
            using (process)
            {
                var results = new List<ScikitResult>();
                while (await process.StandardOutput.ReadLineAsync() is { } line)
                {
                    if (!line.StartsWith('{')) continue;
                    var json = JsonNode.Parse(line)!;
                    results.Add(new ScikitResult(json["params"]!.ToJsonString(), (double)json["log_loss"]!, (double)json["accuracy"]!,
                        (double)json["examples_per_s"]!, (string)json["sklearn"]!));
                }
                await process.WaitForExitAsync();
                return process.ExitCode == 0
                    ? (results, null)
                    : (results, $"{python} sklearn_progressive.py exited with {process.ExitCode} (is python3-sklearn installed? apt-get install -y python3-sklearn)");
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void Export(FlightStream stream, int biasSlot, string folder)
    {
        using var indptr = new BinaryWriter(File.Create(Path.Combine(folder, "indptr.bin")));
        using var indices = new BinaryWriter(File.Create(Path.Combine(folder, "indices.bin")));
        using var values = new BinaryWriter(File.Create(Path.Combine(folder, "values.bin")));
        using var targets = new BinaryWriter(File.Create(Path.Combine(folder, "targets.bin")));
        long nonZeros = 0;
        indptr.Write(nonZeros);
        foreach (var batch in stream.Batches)
        {
            for (var e = 0; e < batch.Count; e++)
            {
                var slots = batch.Indices(e);
                var xs = batch.Values(e);
                for (var k = 0; k < slots.Length; k++)
                {
                    if (slots[k] == biasSlot) continue;
                    indices.Write(slots[k]);
                    values.Write(xs[k]);
                    nonZeros++;
                }
                indptr.Write(nonZeros);
                targets.Write(batch.Targets[e]);
            }
        }
        File.WriteAllText(Path.Combine(folder, "meta.json"),
            JsonSerializer.Serialize(new { rows = stream.Count, columns = biasSlot, batch = FlightStream.BatchSize }));
    }
}
