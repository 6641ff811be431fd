using Streaming.Contracts;
using Streaming.Flights;
using Streaming.Learning;
using Streaming.Learning.Validation;

namespace Streaming.Benchmarks.Learner;

/// <summary>
/// The flights training examples in label-arrival order, hashed once with the learner's own hasher into
/// batches of <see cref="BatchSize"/>: the same rows and the same encoding for every contender.
/// </summary>
public sealed class FlightStream
{
    public const int BatchSize = 1_000;

    private FlightStream(List<TrainingExample> examples, List<ExampleBatch> batches)
    {
        Examples = examples;
        Batches = batches;
    }

    public List<TrainingExample> Examples { get; }
    public List<ExampleBatch> Batches { get; }
    public int Count => Examples.Count;
    public long NonZeros => Batches.Sum(b => Enumerable.Range(0, b.Count).Sum(e => (long)b.Indices(e).Length));

    public static async Task<FlightStream> LoadAsync(string path, long rows, LearnerSpec spec)
    {
        var examples = new List<TrainingExample>();
        await foreach (var example in FlightTrainingExamples.ReadAsync(path, rows, CancellationToken.None))
        {
            examples.Add(example);
            if (examples.Count % 250_000 == 0) Console.Error.Write($"\r  loaded {examples.Count:N0} examples");
        }
        Console.Error.Write("\r");

        var hasher = new LinearLearner(spec).Hasher;
        var vector = new Learning.Hashing.SparseVector();
        var batches = new List<ExampleBatch>();
        foreach (var chunk in examples.Chunk(BatchSize))
        {
            var batch = new ExampleBatch();
            foreach (var example in chunk)
            {
                var (target, reason, detail) = ExampleValidator.Check(example, spec, classification: true);
                if (reason is not null) throw new InvalidDataException($"Example {example.Id}: {detail}");
                hasher.Hash(example.Features, vector);
                batch.Add(vector, target);
            }
            batches.Add(batch);
        }
        return new FlightStream(examples, batches);
    }
}
