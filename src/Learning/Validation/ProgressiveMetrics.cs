using System.Numerics.Tensors;
using Streaming.Contracts;

namespace Streaming.Learning.Validation;

/// <summary>
/// Progressive validation: every example is scored by the prediction made before it was learned. Keeps
/// running totals since the model began and a sliding window of the most recent examples. AUC is exact
/// over the window (sorting it) and binned (1,000 probability bins) over the whole run.
/// </summary>
public sealed class ProgressiveMetrics
{
    private const int Bins = 1000;
    private readonly bool _classification;
    private readonly double[] _windowPrediction, _windowTarget, _windowLoss;
    private readonly long[] _positives = new long[Bins], _negatives = new long[Bins];
    private long _count, _correct;
    private double _lossSum, _absErrorSum, _squaredErrorSum;

    public ProgressiveMetrics(bool classification, int window = 10_000)
    {
        _classification = classification;
        _windowPrediction = new double[window];
        _windowTarget = new double[window];
        _windowLoss = new double[window];
    }

    public long Count => _count;

    /// <summary>Mean progressive loss since the model began (each example predicted before it was learned).</summary>
    public double MeanLoss => _count == 0 ? double.NaN : _lossSum / _count;

    public void Add(double prediction, double target, double loss)
    {
        var slot = (int)(_count % _windowPrediction.Length);
        _windowPrediction[slot] = prediction;
        _windowTarget[slot] = target;
        _windowLoss[slot] = loss;
        _count++;
        _lossSum += loss;
        var error = prediction - target;
        _absErrorSum += Math.Abs(error);
        _squaredErrorSum += error * error;
        if (!_classification) return;
        if ((prediction >= 0.5) == (target >= 0.5)) _correct++;
        var bin = Math.Clamp((int)(prediction * Bins), 0, Bins - 1);
        if (target >= 0.5) _positives[bin]++;
        else _negatives[bin]++;
    }

    public ModelMetrics Snapshot()
    {
        var n = (int)Math.Min(_count, _windowPrediction.Length);
        var predictions = _windowPrediction.AsSpan(0, n);
        var targets = _windowTarget.AsSpan(0, n);
        var windowLoss = n > 0 ? TensorPrimitives.Sum<double>(_windowLoss.AsSpan(0, n)) / n : double.NaN;
        double windowAccuracy = double.NaN, windowAuc = double.NaN, windowMae = double.NaN, windowRmse = double.NaN;
        if (n > 0)
        {
            var errors = new double[n];
            TensorPrimitives.Subtract(predictions, targets, errors);
            windowMae = TensorPrimitives.SumOfMagnitudes<double>(errors) / n;
            windowRmse = Math.Sqrt(TensorPrimitives.SumOfSquares<double>(errors) / n);
            if (_classification)
            {
                var correct = 0;
                for (var i = 0; i < n; i++) if ((predictions[i] >= 0.5) == (targets[i] >= 0.5)) correct++;
                windowAccuracy = correct / (double)n;
                windowAuc = ExactAuc(predictions, targets);
            }
        }
        return new ModelMetrics(
            _count,
            _count > 0 ? _lossSum / _count : double.NaN,
            _classification && _count > 0 ? _correct / (double)_count : double.NaN,
            _classification ? BinnedAuc() : double.NaN,
            _count > 0 ? _absErrorSum / _count : double.NaN,
            _count > 0 ? Math.Sqrt(_squaredErrorSum / _count) : double.NaN,
            n, windowLoss, windowAccuracy, windowAuc, windowMae, windowRmse);
    }

    /// <summary>Probability that a random positive outranks a random negative, ties counting half.</summary>
    private static double ExactAuc(ReadOnlySpan<double> predictions, ReadOnlySpan<double> targets)
    {
        var order = new int[predictions.Length];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        var keys = predictions.ToArray();
        Array.Sort(keys, order);
        double rankSum = 0;
        long positives = 0;
        for (var i = 0; i < keys.Length;)
        {
            var j = i;
            while (j < keys.Length && keys[j] == keys[i]) j++;
            var averageRank = (i + j + 1) / 2.0; // ranks i+1..j share their mean
            for (var k = i; k < j; k++)
                if (targets[order[k]] >= 0.5) { rankSum += averageRank; positives++; }
            i = j;
        }
        var negatives = keys.Length - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }

    private double BinnedAuc()
    {
        double area = 0, negativesBelow = 0;
        double totalPositives = 0, totalNegatives = 0;
        for (var b = 0; b < Bins; b++) { totalPositives += _positives[b]; totalNegatives += _negatives[b]; }
        if (totalPositives == 0 || totalNegatives == 0) return double.NaN;
        for (var b = 0; b < Bins; b++)
        {
            area += _positives[b] * (negativesBelow + _negatives[b] / 2.0);
            negativesBelow += _negatives[b];
        }
        return area / (totalPositives * totalNegatives);
    }

    /// <summary>Writes everything needed to continue exactly where this left off.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(_count); writer.Write(_correct);
        writer.Write(_lossSum); writer.Write(_absErrorSum); writer.Write(_squaredErrorSum);
        foreach (var array in new[] { _windowPrediction, _windowTarget, _windowLoss })
            foreach (var v in array) writer.Write(v);
        foreach (var array in new[] { _positives, _negatives })
            foreach (var v in array) writer.Write(v);
    }

    public void Load(BinaryReader reader)
    {
        _count = reader.ReadInt64(); _correct = reader.ReadInt64();
        _lossSum = reader.ReadDouble(); _absErrorSum = reader.ReadDouble(); _squaredErrorSum = reader.ReadDouble();
        foreach (var array in new[] { _windowPrediction, _windowTarget, _windowLoss })
            for (var i = 0; i < array.Length; i++) array[i] = reader.ReadDouble();
        foreach (var array in new[] { _positives, _negatives })
            for (var i = 0; i < array.Length; i++) array[i] = reader.ReadInt64();
    }
}
