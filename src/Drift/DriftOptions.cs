using System.ComponentModel.DataAnnotations;
namespace Streaming.Drift;

/// <summary>Configuration section "Drift": the sensitivity of every detector and the alert hysteresis.</summary>
public sealed class DriftOptions
{
    public const string Section = "Drift";

    /// <summary>ADWIN's confidence: smaller means fewer false alarms and later detection.</summary>
    [Range(1e-12, 1.0)]
    public double AdwinDelta { get; set; } = 0.0002;

    /// <summary>Page-Hinkley: the rise of the cumulative loss deviation that counts as a change.</summary>
    [Range(1e-9, double.MaxValue)]
    public double PageHinkleyThreshold { get; set; } = 50;

    /// <summary>Page-Hinkley: deviations smaller than this are tolerated.</summary>
    [Range(0.0, double.MaxValue)]
    public double PageHinkleyDelta { get; set; } = 0.05;

    /// <summary>Per-example losses are capped here first, so one absurd example cannot look like a drift.</summary>
    [Range(1e-9, double.MaxValue)]
    public double LossCap { get; set; } = 5;

    /// <summary>
    /// Examples in a row in which its detector sees no further rise before a concept-drift alert is resolved, whether the
    /// loss is back to its level before the drift or has settled at a new one (then the new baseline).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int ResolveAfterExamples { get; set; } = 2_000;

    /// <summary>Data drift: PSI at or above this (with a significant KS test) opens an alert...</summary>
    [Range(1e-9, 100.0)]
    public double PsiAlert { get; set; } = 0.2;

    /// <summary>...and below this, for <see cref="CalmChecksToResolve"/> checks in a row, resolves it.</summary>
    [Range(0.0, 100.0)]
    public double PsiResolve { get; set; } = 0.1;

    /// <summary>Data drift: the KS p-value must also be below this.</summary>
    [Range(1e-12, 1.0)]
    public double KsAlpha { get; set; } = 0.001;

    [Range(1, int.MaxValue)]
    public int CalmChecksToResolve { get; set; } = 3;

    /// <summary>Recent values per feature compared with the reference.</summary>
    [Range(10, 10_000_000)]
    public int RecentWindow { get; set; } = 5_000;

    /// <summary>No data-drift verdict on fewer recent values than this.</summary>
    [Range(1, 10_000_000)]
    public int MinRecentValues { get; set; } = 500;

    /// <summary>How often serving compares its recent window with the reference.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromSeconds(10);
}
