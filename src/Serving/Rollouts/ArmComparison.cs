namespace Streaming.Serving.Rollouts;

/// <summary>Promote the challenger, roll it back, or keep waiting.</summary>
public enum RolloutVerdict
{
    Undecided,
    Promote,
    RollBack,
}

/// <summary>What a comparison concluded, and the figures it concluded it from.</summary>
/// <param name="Z">Standardized difference of the mean losses (champion − challenger): positive when the challenger does better.</param>
public sealed record ArmJudgment(RolloutVerdict Verdict, double Z, long Labels, double ChampionLoss, double ChallengerLoss);

/// <summary>
/// The sequential test between a champion and one challenger on losses of answers judged by their labels.
/// In A/B the arms answer different requests: Welch's z on the two means. In shadow both score the same requests:
/// the paired z on the per-label differences, far more sensitive. The test looks every <see cref="CheckEvery"/> labels once
/// both arms have <see cref="MinimumLabels"/>, and decides at |z| ≥ <see cref="Threshold"/>: 3.29 is a two-sided 0.001
/// per look, so over the first 40 looks (20,000 labels at the defaults) the chance of any wrong decision between equal
/// arms is at most 40 × 0.001 = 4 % (Bonferroni; the looks overlap, so less). Repeated looks at a plain 1.96 would
/// decide wrongly far more often; a bootstrap interval would cost a resample per look.
/// </summary>
internal sealed class ArmComparison(bool paired, int minimumLabels = 2_000, int checkEvery = 500, double threshold = 3.29)
{
    private Moments _champion, _challenger, _difference;
    private long _sinceCheck;

    public int MinimumLabels => minimumLabels;
    public int CheckEvery => checkEvery;
    public double Threshold => threshold;

    /// <summary>A label of a request the champion answered (A/B).</summary>
    public void AddChampion(double loss)
    {
        _champion.Add(loss);
        _sinceCheck++;
    }

    /// <summary>A label of a request the challenger answered (A/B).</summary>
    public void AddChallenger(double loss)
    {
        _challenger.Add(loss);
        _sinceCheck++;
    }

    /// <summary>A label of a request both scored (shadow): the champion's answer and the challenger's shadow score.</summary>
    public void AddPair(double championLoss, double challengerLoss)
    {
        _champion.Add(championLoss);
        _challenger.Add(challengerLoss);
        _difference.Add(championLoss - challengerLoss);
        _sinceCheck++;
    }

    /// <summary>The figures now, and a verdict when this is a look (every <see cref="CheckEvery"/> labels) and it is decided.</summary>
    public ArmJudgment Judge()
    {
        var z = Z();
        var labels = _champion.Count + (paired ? 0 : _challenger.Count);
        var look = _sinceCheck >= checkEvery && _champion.Count >= minimumLabels && _challenger.Count >= minimumLabels;
        if (look) _sinceCheck = 0;
        var verdict = !look || double.IsNaN(z) ? RolloutVerdict.Undecided
            : z >= threshold ? RolloutVerdict.Promote
            : z <= -threshold ? RolloutVerdict.RollBack
            : RolloutVerdict.Undecided;
        return new ArmJudgment(verdict, z, labels, _champion.Mean, _challenger.Mean);
    }

    private double Z()
    {
        if (paired) return _difference.Count < 2 ? double.NaN : _difference.Mean / Math.Sqrt(_difference.Variance / _difference.Count);
        if (_champion.Count < 2 || _challenger.Count < 2) return double.NaN;
        var standardError = Math.Sqrt(_champion.Variance / _champion.Count + _challenger.Variance / _challenger.Count);
        return standardError == 0 ? double.NaN : (_champion.Mean - _challenger.Mean) / standardError;
    }

    /// <summary>Count, mean and variance in one pass (Welford).</summary>
    private struct Moments
    {
        private double _m2;
        public long Count { get; private set; }
        public double Mean { get; private set; }
        public readonly double Variance => Count < 2 ? double.NaN : _m2 / (Count - 1);

        public void Add(double x)
        {
            Count++;
            var delta = x - Mean;
            Mean += delta / Count;
            _m2 += delta * (x - Mean);
        }
    }
}
