using Streaming.Serving.Rollouts;

namespace Streaming.Tests.Serving;

/// <summary>
/// The rollout judge's test on label streams whose truth is known: outcomes drawn from a true probability, each arm
/// scoring it with noise of its own size. A challenger with less noise is better, with more is worse, with the same is equal.
/// </summary>
public sealed class ArmComparisonTests
{
    private const int Horizon = 20_000;

    private static double LogLoss(double score, int outcome)
    {
        var p = Math.Clamp(score, 1e-6, 1 - 1e-6);
        return outcome == 1 ? -Math.Log(p) : -Math.Log(1 - p);
    }

    /// <summary>Feeds labels until a verdict or the horizon; the verdict and how many labels it took.</summary>
    private static (RolloutVerdict Verdict, long Labels) Run(bool paired, double championNoise, double challengerNoise, int seed)
    {
        var random = new Random(seed);
        var comparison = new ArmComparison(paired);
        double Score(double truth, double noise) => Math.Clamp(truth + noise * (random.NextDouble() * 2 - 1), 0.01, 0.99);
        for (var label = 1; label <= Horizon; label++)
        {
            var truth = 0.1 + 0.8 * random.NextDouble();
            var outcome = random.NextDouble() < truth ? 1 : 0;
            if (paired) comparison.AddPair(LogLoss(Score(truth, championNoise), outcome), LogLoss(Score(truth, challengerNoise), outcome));
            else if (random.Next(2) == 0) comparison.AddChampion(LogLoss(Score(truth, championNoise), outcome));
            else comparison.AddChallenger(LogLoss(Score(truth, challengerNoise), outcome));
            if (comparison.Judge() is { Verdict: not RolloutVerdict.Undecided } judged) return (judged.Verdict, label);
        }
        return (RolloutVerdict.Undecided, Horizon);
    }

    [Theory]
    [InlineData(false, 10_000)] // A/B: each arm sees half the labels
    [InlineData(true, 4_000)] // shadow: both score every label, compared pair by pair
    public void A_better_challenger_is_promoted_and_a_worse_one_rolled_back_within_a_stated_number_of_labels(bool paired, int within)
    {
        for (var seed = 1; seed <= 5; seed++)
        {
            var better = Run(paired, championNoise: 0.4, challengerNoise: 0.1, seed);
            Assert.Equal(RolloutVerdict.Promote, better.Verdict);
            Assert.True(better.Labels <= within, $"seed {seed}: promoted after {better.Labels} labels");
            var worse = Run(paired, championNoise: 0.1, challengerNoise: 0.4, seed);
            Assert.Equal(RolloutVerdict.RollBack, worse.Verdict);
            Assert.True(worse.Labels <= within, $"seed {seed}: rolled back after {worse.Labels} labels");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_equal_challenger_is_neither_promoted_nor_rolled_back_in_20_runs_of_20000_labels(bool paired)
    {
        for (var seed = 1; seed <= 20; seed++)
            Assert.Equal((RolloutVerdict.Undecided, (long)Horizon), Run(paired, championNoise: 0.25, challengerNoise: 0.25, seed));
    }
}
