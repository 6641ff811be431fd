using Microsoft.ML.OnnxRuntime;
using Streaming.Learning.Hashing;
using Streaming.Models.Onnx;

namespace Streaming.Serving.Inference;

/// <summary>
/// One model version in ONNX Runtime. <see cref="Score"/> is thread-safe (a session runs concurrently) and
/// allocates nothing per call beyond the OrtValue wrappers: inputs and outputs are per-thread buffers handed
/// to ONNX Runtime in place.
/// </summary>
public sealed class OnnxLinearScorer : IDisposable
{
    private static readonly string[] InputNames = [LinearModelOnnx.Indices, LinearModelOnnx.Values];
    private static readonly string[] OutputNames = [LinearModelOnnx.Score];

    [ThreadStatic] private static Buffers? _buffers;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public OnnxLinearScorer(byte[] onnx, ExecutionDevice device)
    {
        using var options = device.CreateSessionOptions();
        _session = new InferenceSession(onnx, options);
    }

    /// <summary>Scores hashed rows (each a sparse vector, bias slot included) into <paramref name="scores"/>.</summary>
    public void Score(IReadOnlyList<SparseVector> rows, int biasSlot, Span<double> scores)
    {
        var width = 1;
        foreach (var row in rows) width = Math.Max(width, row.Count);
        var buffers = _buffers ??= new Buffers();
        var cells = rows.Count * width;
        buffers.Ensure(cells, rows.Count);
        Array.Clear(buffers.Indices, 0, cells);
        Array.Clear(buffers.Values, 0, cells);
        for (var r = 0; r < rows.Count; r++)
        {
            var indices = rows[r].Indices;
            var values = rows[r].Values;
            var cell = r * width;
            for (var k = 0; k < indices.Length; k++)
            {
                if (indices[k] == biasSlot) continue; // the graph adds its bias itself
                buffers.Indices[cell] = indices[k];
                buffers.Values[cell++] = values[k];
            }
        }
        long[] inputShape = [rows.Count, width];
        using var indicesValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.Indices.AsMemory(0, cells), inputShape);
        using var valuesValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.Values.AsMemory(0, cells), inputShape);
        using var scoreValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.Scores.AsMemory(0, rows.Count), [rows.Count]);
        _session.Run(_runOptions, InputNames, [indicesValue, valuesValue], OutputNames, [scoreValue]);
        buffers.Scores.AsSpan(0, rows.Count).CopyTo(scores);
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private sealed class Buffers
    {
        public long[] Indices = new long[256];
        public float[] Values = new float[256];
        public double[] Scores = new double[16];

        public void Ensure(int cells, int rows)
        {
            if (Indices.Length < cells)
            {
                Indices = new long[cells * 2];
                Values = new float[cells * 2];
            }
            if (Scores.Length < rows) Scores = new double[rows * 2];
        }
    }
}
