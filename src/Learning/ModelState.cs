using System.Runtime.InteropServices;
using Streaming.Learning.Validation;

namespace Streaming.Learning;

/// <summary>
/// The binary payload of a snapshot: the optimizer's weights and per-coordinate state, its step count
/// and scalars, and the progressive metrics, little-endian. Loading it into a learner with the same spec
/// continues exactly where the saved one stopped.
/// </summary>
public static class ModelState
{
    private const int Magic = 0x4D4C4F53; // "SOLM"
    private const int FormatVersion = 2; // 2: FTRL keeps √n, not n, as its second state array

    public static byte[] Save(LinearLearner learner, ProgressiveMetrics metrics)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            var optimizer = learner.Optimizer;
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(optimizer.Name);
            writer.Write(optimizer.Steps);
            writer.Write(optimizer.Scalars.Length);
            foreach (var s in optimizer.Scalars) writer.Write(s);
            WriteArray(writer, optimizer.Weights);
            writer.Write(optimizer.StateArrays.Length);
            foreach (var array in optimizer.StateArrays) WriteArray(writer, array);
            metrics.Save(writer);
        }
        return stream.ToArray();
    }

    public static void Load(byte[] payload, LinearLearner learner, ProgressiveMetrics metrics)
    {
        using var reader = new BinaryReader(new MemoryStream(payload));
        var optimizer = learner.Optimizer;
        if (reader.ReadInt32() != Magic || reader.ReadInt32() != FormatVersion)
            throw new InvalidDataException("Not a model state of a version this build reads.");
        var name = reader.ReadString();
        if (name != optimizer.Name) throw new InvalidDataException($"The state is of a {name} model, not {optimizer.Name}.");
        optimizer.Steps = reader.ReadInt64();
        var scalars = reader.ReadInt32();
        for (var i = 0; i < scalars; i++) optimizer.Scalars[i] = reader.ReadDouble();
        ReadArray(reader, optimizer.Weights);
        var arrays = reader.ReadInt32();
        for (var a = 0; a < arrays; a++) ReadArray(reader, optimizer.StateArrays[a]);
        metrics.Load(reader);
    }

    private static void WriteArray(BinaryWriter writer, float[] array)
    {
        writer.Write(array.Length);
        writer.Write(MemoryMarshal.AsBytes(array.AsSpan()));
    }

    private static void ReadArray(BinaryReader reader, float[] into)
    {
        var length = reader.ReadInt32();
        if (length != into.Length) throw new InvalidDataException($"The state has {length} slots; this model has {into.Length}.");
        var bytes = reader.ReadBytes(length * sizeof(float));
        MemoryMarshal.Cast<byte, float>(bytes).CopyTo(into);
    }
}
