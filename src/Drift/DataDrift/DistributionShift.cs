namespace Streaming.Drift.DataDrift;

/// <summary>How far a recent histogram is from its reference, by two measures.</summary>
/// <param name="Psi">Population stability index: Σ (r − p)·ln(r / p) over bins. Rule of thumb: &lt; 0.1 stable, 0.1–0.2 moderate, &gt; 0.2 shifted.</param>
/// <param name="KsStatistic">Two-sample Kolmogorov–Smirnov D: the largest gap between the two cumulative distributions at the bin edges.</param>
/// <param name="KsPValue">Probability of a D this large if both came from one distribution (asymptotic Kolmogorov distribution).</param>
public readonly record struct DistributionShift(double Psi, double KsStatistic, double KsPValue)
{
    /// <summary>Smoothing for empty bins, so PSI stays finite.</summary>
    private const double EmptyBin = 1e-4;

    public static DistributionShift Between(long[] reference, long[] recent)
    {
        if (reference.Length != recent.Length) throw new ArgumentException("The histograms must have the same bins.");
        double referenceTotal = reference.Sum(), recentTotal = recent.Sum();
        if (referenceTotal == 0 || recentTotal == 0) return new DistributionShift(0, 0, 1);
        double psi = 0, d = 0, referenceCdf = 0, recentCdf = 0;
        for (var j = 0; j < reference.Length; j++)
        {
            var p = Math.Max(reference[j] / referenceTotal, EmptyBin);
            var r = Math.Max(recent[j] / recentTotal, EmptyBin);
            psi += (r - p) * Math.Log(r / p);
            referenceCdf += reference[j] / referenceTotal;
            recentCdf += recent[j] / recentTotal;
            d = Math.Max(d, Math.Abs(referenceCdf - recentCdf));
        }
        var effective = referenceTotal * recentTotal / (referenceTotal + recentTotal);
        return new DistributionShift(psi, d, KolmogorovSurvival((Math.Sqrt(effective) + 0.12 + 0.11 / Math.Sqrt(effective)) * d));
    }

    /// <summary>
    /// P(K &gt; λ) for the Kolmogorov distribution: 2 Σ (−1)^(k−1) e^(−2k²λ²) (with Stephens' small-sample
    /// correction applied to λ by the caller, as in Numerical Recipes' probks). MathNet.Numerics has no
    /// Kolmogorov distribution, so the series is summed here.
    /// </summary>
    public static double KolmogorovSurvival(double lambda)
    {
        if (lambda < 0.2) return 1;
        double sum = 0, sign = 1;
        for (var k = 1; k <= 100; k++)
        {
            var term = sign * Math.Exp(-2 * k * k * lambda * lambda);
            sum += term;
            if (Math.Abs(term) < 1e-12) break;
            sign = -sign;
        }
        return Math.Clamp(2 * sum, 0, 1);
    }
}
