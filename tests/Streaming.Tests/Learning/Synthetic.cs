using Streaming.Contracts;

namespace Streaming.Tests.Learning;

/// <summary>Reproducible synthetic training examples for learner tests.</summary>
public static class Synthetic
{
    /// <summary>
    /// Binary examples: a categorical "city" of 20 values whose odds differ, a numeric "x" that pushes up,
    /// and 30 pure-noise numeric features (which an L1 model should zero out).
    /// </summary>
    public static List<TrainingExample> Classification(int count, int seed = 7)
    {
        var random = new Random(seed);
        var examples = new List<TrainingExample>(count);
        for (var i = 0; i < count; i++)
        {
            var city = random.Next(20);
            var x = random.NextDouble() * 2 - 1;
            var logit = (city - 10) * 0.3 + 2.5 * x;
            var label = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? 1 : 0;
            var noise = new Dictionary<string, FieldValue>();
            for (var k = 0; k < 30; k++) noise[$"n{k}"] = random.NextDouble() * 0.01;
            examples.Add(new TrainingExample($"ex-{i}", DateTimeOffset.UnixEpoch.AddSeconds(i), label,
                new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
                {
                    ["place"] = new Dictionary<string, FieldValue> { ["city"] = $"c{city}" },
                    ["num"] = new Dictionary<string, FieldValue> { ["x"] = x },
                    ["noise"] = noise,
                }));
        }
        return examples;
    }

    /// <summary>y = 3·a − 2·b + 1 + small noise.</summary>
    public static List<TrainingExample> Regression(int count, int seed = 11)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            double a = random.NextDouble() * 2 - 1, b = random.NextDouble() * 2 - 1;
            return new TrainingExample($"r-{i}", DateTimeOffset.UnixEpoch.AddSeconds(i), 3 * a - 2 * b + 1 + (random.NextDouble() - 0.5) * 0.01,
                new Dictionary<string, IReadOnlyDictionary<string, FieldValue>>
                {
                    ["num"] = new Dictionary<string, FieldValue> { ["a"] = a, ["b"] = b },
                });
        }).ToList();
    }
}
