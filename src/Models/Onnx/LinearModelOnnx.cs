using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using Streaming.Learning;

namespace Streaming.Models.Onnx;

/// <summary>
/// A snapshot's sparse linear model as an ONNX graph, for serving with ONNX Runtime:
/// <c>score = link(ReduceSum(Gather(w, indices) · values, axis 1) + bias)</c>, where <c>link</c> is the
/// sigmoid for logistic models and the identity otherwise. Inputs are hashed slots <c>int64[N,K]</c> and their
/// values <c>float[N,K]</c> (rows padded with slot 0, value 0); the output is <c>double[N]</c>.
/// The weights are stored as the learner keeps them (single precision: half the bytes of doubles to move at
/// every swap), cast to double after the gather, and the sum runs in double precision as the learner's own
/// margin does, so ONNX Runtime reproduces the learner's predictions to rounding.
/// </summary>
public static class LinearModelOnnx
{
    public const string Indices = "indices";
    public const string Values = "values";
    public const string Score = "score";

    /// <summary>The ONNX model of <paramref name="learner"/>'s current weights, serialized.</summary>
    public static byte[] Export(LinearLearner learner, string model, long version)
    {
        var hasher = learner.Hasher;
        var weights = learner.Weights;
        var slotWeights = weights[..hasher.BiasSlot];

        var graph = new GraphProto { Name = model };
        graph.Input.Add(TensorInput(Indices, TensorProto.Types.DataType.Int64));
        graph.Input.Add(TensorInput(Values, TensorProto.Types.DataType.Float));
        graph.Output.Add(new ValueInfoProto { Name = Score, Type = TensorType(TensorProto.Types.DataType.Double, "N") });
        graph.Initializer.Add(Tensor("weights", TensorProto.Types.DataType.Float, [slotWeights.Length], MemoryMarshal.AsBytes(slotWeights)));
        graph.Initializer.Add(Tensor("bias", TensorProto.Types.DataType.Double, [], MemoryMarshal.AsBytes([(double)weights[hasher.BiasSlot]])));
        graph.Initializer.Add(Tensor("sum_axes", TensorProto.Types.DataType.Int64, [1], MemoryMarshal.AsBytes([1L])));

        graph.Node.Add(Node("Gather", ["weights", Indices], "gathered_float"));
        graph.Node.Add(Node("Cast", ["gathered_float"], "gathered", ToDouble()));
        graph.Node.Add(Node("Cast", [Values], "values_double", ToDouble()));
        graph.Node.Add(Node("Mul", ["gathered", "values_double"], "terms"));
        graph.Node.Add(Node("ReduceSum", ["terms", "sum_axes"], "dot", new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 }));
        var logistic = learner.Loss.Name == "logistic";
        graph.Node.Add(Node("Add", ["dot", "bias"], logistic ? "margin" : Score));
        if (logistic) graph.Node.Add(Node("Sigmoid", ["margin"], Score));

        var onnx = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "streaming-online-learner",
            ModelVersion = version,
            Graph = graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = "model", Value = model });
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = "feature_spec", Value = hasher.SpecHash() });
        return onnx.ToByteArray();
    }

    private static AttributeProto ToDouble() =>
        new() { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Double };

    private static ValueInfoProto TensorInput(string name, TensorProto.Types.DataType type) =>
        new() { Name = name, Type = TensorType(type, "N", "K") };

    private static TypeProto TensorType(TensorProto.Types.DataType type, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = dim });
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } };
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, long[] dims, ReadOnlySpan<byte> data)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    private static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        return node;
    }
}
