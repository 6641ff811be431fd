using Microsoft.Extensions.Logging.Abstractions;
using Streaming.Learning.Hashing;
using Streaming.Models.Onnx;
using Streaming.Serving;
using Streaming.Serving.Inference;
using Streaming.Tests.Support;

namespace Streaming.Tests.Serving;

/// <summary>The exported ONNX graph in ONNX Runtime against the learner's own predictions.</summary>
public sealed class OnnxExportTests
{
    private static ExecutionDevice Cpu() => new(new ServingOptions { Device = ExecutionDeviceChoice.Cpu }, NullLogger<ExecutionDevice>.Instance);

    [Theory]
    [InlineData("logistic", "ftrl", 15.0)]
    [InlineData("squared", "adagrad", null)]
    public async Task Onnx_runtime_equals_the_learner_within_1e_6_on_10000_examples(string loss, string optimizer, double? threshold)
    {
        var examples = await TrainingExampleStream.FlightsAsync(20_000);
        var spec = SnapshotFactory.Spec with { Loss = loss, Optimizer = optimizer, TargetThreshold = threshold, LearningRate = 0.01 };
        var model = SnapshotFactory.Train(examples.Take(10_000), spec);
        var test = examples.Skip(10_000).Take(10_000).ToList();
        Assert.Equal(10_000, test.Count);

        using var scorer = new OnnxLinearScorer(LinearModelOnnx.Export(model.Learner, "parity", 1), Cpu());
        var hasher = model.Learner.Hasher;
        var rows = test.Select(example =>
        {
            var row = new SparseVector();
            hasher.Hash(example.Features, row);
            return row;
        }).ToList();
        var expected = rows.Select(model.Learner.Predict).ToArray();
        Assert.Contains(expected, p => Math.Abs(p - expected[0]) > 1e-3); // the model has learned something to compare

        // Batches of several sizes: rows are padded to the widest row of their batch.
        var actual = new double[rows.Count];
        var sizes = new[] { 1, 7, 64, 256 };
        for (int start = 0, b = 0; start < rows.Count; b++)
        {
            var size = Math.Min(sizes[b % sizes.Length], rows.Count - start);
            scorer.Score(rows.GetRange(start, size), hasher.BiasSlot, actual.AsSpan(start, size));
            start += size;
        }
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= 1e-6, $"largest difference {worst:E2}");
    }

    [Fact]
    public void Cpu_device_never_tries_cuda()
    {
        var device = Cpu();
        Assert.Equal("cpu", device.Name);
        Assert.False(device.UseCuda);
        Assert.Null(device.FallbackReason);
    }

    [Fact]
    public void Auto_device_uses_cuda_when_it_loads_and_otherwise_falls_back_to_cpu_saying_why()
    {
        var device = new ExecutionDevice(new ServingOptions { Device = ExecutionDeviceChoice.Auto }, NullLogger<ExecutionDevice>.Instance);
        if (device.UseCuda)
        {
            Assert.StartsWith("cuda:", device.Name);
            return;
        }
        Assert.Equal("cpu", device.Name);
        Assert.False(string.IsNullOrWhiteSpace(device.FallbackReason));
        // And the fallback serves: a model loads and scores on it.
        var model = SnapshotFactory.Train([]);
        using var scorer = new OnnxLinearScorer(LinearModelOnnx.Export(model.Learner, "fallback", 1), device);
        var row = new SparseVector();
        row.Add(model.Learner.Hasher.BiasSlot, 1f);
        var score = new double[1];
        scorer.Score([row], model.Learner.Hasher.BiasSlot, score);
        Assert.Equal(0.5, score[0], 12); // untrained logistic model: sigmoid(0)
    }

    [Fact]
    public void Cuda_device_without_cuda_fails_at_startup_and_names_the_fix()
    {
        ExecutionDevice device;
        try
        {
            device = new ExecutionDevice(new ServingOptions { Device = ExecutionDeviceChoice.Cuda }, NullLogger<ExecutionDevice>.Instance);
        }
        catch (InvalidOperationException e)
        {
            Assert.Contains("Serving:Device=auto", e.Message);
            return;
        }
        Assert.True(device.UseCuda); // a machine with CUDA
    }
}
