using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;

namespace Streaming.FeatureStore.Aggregation;

/// <summary>
/// A HyperLogLog sketch (Flajolet et al. 2007, with linear counting for small sets): the approximate number of
/// distinct values added, in a fixed <see cref="Registers"/> bytes whatever their number. Adding a value again
/// changes nothing, so replays never inflate it.
/// </summary>
internal sealed class DistinctSketch
{
    /// <summary>2^8 registers: a relative standard error of 1.04/√256 ≈ 6.5 %, at 256 bytes per window.</summary>
    public const int Registers = 256;

    private static readonly double Alpha = 0.7213 / (1 + 1.079 / Registers);
    private readonly byte[] _registers;

    public DistinctSketch() => _registers = new byte[Registers];

    private DistinctSketch(byte[] registers) => _registers = registers;

    public void Add(double value)
    {
        Span<byte> bits = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bits, BitConverter.DoubleToInt64Bits(value));
        var hash = XxHash64.HashToUInt64(bits);
        // The top 8 bits choose the register; it keeps the longest run of leading zeros (+1) seen in the rest.
        var register = (int)(hash >> 56);
        var rest = hash << 8;
        var rank = (byte)(rest == 0 ? 57 : BitOperations.LeadingZeroCount(rest) + 1);
        if (rank > _registers[register]) _registers[register] = rank;
    }

    /// <summary>Folds another sketch in: the sketch of the union of both sets of values (each register keeps the larger rank).</summary>
    public void Merge(DistinctSketch other)
    {
        for (var i = 0; i < Registers; i++) _registers[i] = Math.Max(_registers[i], other._registers[i]);
    }

    /// <summary>The estimate, rounded: linear counting while registers are still empty and the set small, else HyperLogLog's.</summary>
    public double Estimate()
    {
        double inverseSum = 0;
        var empty = 0;
        foreach (var rank in _registers)
        {
            inverseSum += Math.ScaleB(1.0, -rank);
            if (rank == 0) empty++;
        }
        var estimate = Alpha * Registers * Registers / inverseSum;
        if (estimate <= 2.5 * Registers && empty > 0) estimate = Registers * Math.Log((double)Registers / empty);
        return Math.Round(estimate);
    }

    public void WriteTo(Span<byte> destination) => _registers.CopyTo(destination);

    public static DistinctSketch ReadFrom(ReadOnlySpan<byte> source) => new(source[..Registers].ToArray());
}
