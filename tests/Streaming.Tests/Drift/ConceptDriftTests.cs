using Streaming.Contracts;
using Streaming.Drift;
using Streaming.Drift.Detectors;

namespace Streaming.Tests.Drift;

/// <summary>
/// Detection delay and false alarms on streams with known change points. Bounds (documented in the README):
/// a change is detected within 5,000 examples, and no rise is reported where there is none (at most one
/// stray detection per stream). Only rises count: ADWIN also reports falls (a model still learning).
/// </summary>
public sealed class ConceptDriftTests
{
    private const int MaxDelay = 5_000;

    private static List<int> Rises(IDriftDetector detector, IEnumerable<double> values)
    {
        var rises = new List<int>();
        var i = 0;
        foreach (var value in values)
        {
            var before = detector.Estimation;
            if (detector.Update(value) && (detector is PageHinkley || detector.Estimation > before)) rises.Add(i);
            i++;
        }
        return rises;
    }

    public static TheoryData<string> Detectors => ["adwin", "page_hinkley"];

    private static IDriftDetector Create(string name, double pageHinkleyDelta = 0.05) =>
        name == "adwin" ? new Adwin() : new PageHinkley(delta: pageHinkleyDelta);

    /// <summary>
    /// Page-Hinkley's tolerance is in the stream's units: the default (0.05) suits a log loss; on a 0/1 error,
    /// where a drift moves the mean by a few hundredths, 0.01 (Drift:PageHinkleyDelta).
    /// </summary>
    private const double ErrorRateDelta = 0.01;

    [Theory]
    [MemberData(nameof(Detectors))]
    public void Sea_concepts_a_served_model_is_seen_to_degrade_at_each_worsening_change(string name)
    {
        // θ = 8 → 9 → 7 → 9.5 every 20,000; the served model fits θ = 8. Its error (10 % noise) rises at 20,000
        // (8.5 % of the square flips) and at 60,000 (13 %); at 40,000 it falls slightly (θ = 7 is nearer 8).
        var errors = SyntheticStreams.SeaServedError(SyntheticStreams.Sea([8, 9, 7, 9.5], 20_000), theta: 8);
        var rises = Rises(Create(name, ErrorRateDelta), errors);

        Assert.Contains(rises, i => i is >= 20_000 and < 20_000 + MaxDelay);
        Assert.Contains(rises, i => i is >= 60_000 and < 60_000 + MaxDelay);
        var stray = rises.Count(i => i is not (>= 20_000 and < 40_000) and not (>= 60_000));
        Assert.True(stray <= 1, $"{stray} rises where there was no change: {string.Join(", ", rises)}");
    }

    [Theory]
    [MemberData(nameof(Detectors))]
    public void Rotating_hyperplane_an_abrupt_rotation_is_detected_on_the_progressive_loss_of_a_learning_model(string name)
    {
        // The hyperplane turns slowly all along (the learner follows) and jumps to new weights at 30,000.
        var losses = SyntheticStreams.ProgressiveLoss(SyntheticStreams.RotatingHyperplane(10, 60_000, changesAt: [30_000]));
        var rises = Rises(Create(name), losses);

        var first = rises.FirstOrDefault(i => i >= 30_000, -1);
        Assert.InRange(first, 30_000, 30_000 + MaxDelay);
        Assert.True(rises.Count(i => i < 30_000) <= 1, $"false alarms before the change: {string.Join(", ", rises)}");
    }

    [Fact]
    public void A_stationary_stream_of_1_000_000_examples_raises_at_most_one_alert_at_the_default_sensitivity()
    {
        var monitor = new ConceptDriftMonitor(new DriftOptions());
        var now = DateTimeOffset.UnixEpoch;
        var opened = 0;
        foreach (var loss in SyntheticStreams.ProgressiveLoss(SyntheticStreams.Sea([8], 1_000_000)))
        {
            now = now.AddMilliseconds(10);
            opened += monitor.Observe("m", 1, "progressive_loss", loss, now).Count(a => a.State == DriftAlert.Open);
        }
        Assert.True(opened <= 1, $"{opened} alerts");
    }

    [Fact]
    public void One_drift_is_one_open_record_and_its_end_one_resolved_record()
    {
        var monitor = new ConceptDriftMonitor(new DriftOptions { PageHinkleyDelta = ErrorRateDelta });
        var alerts = new List<DriftAlert>();
        var now = DateTimeOffset.UnixEpoch;
        var errors = SyntheticStreams.SeaServedError(SyntheticStreams.Sea([8, 9.5, 8], 20_000), theta: 8).ToList();
        foreach (var error in errors) alerts.AddRange(monitor.Observe("m", 3, "served_loss", error, now = now.AddSeconds(1)));

        // Both detectors see the rise at 20,000. The served model is frozen, so its error stays up until 40,000: once no
        // further rise comes, that level is the new baseline and the alert resolves, saying so; the fall at 40,000 is no alert.
        foreach (var detector in new[] { "adwin", "page_hinkley" })
        {
            var mine = alerts.Where(a => a.Detector == detector).ToList();
            Assert.Equal([DriftAlert.Open, DriftAlert.Resolved], mine.Select(a => a.State));
            Assert.Equal(mine[0].Key, mine[1].Key);
            Assert.Equal(mine[0].Since, mine[1].Since);
            Assert.InRange(mine[0].Since, DateTimeOffset.UnixEpoch.AddSeconds(20_000), DateTimeOffset.UnixEpoch.AddSeconds(20_000 + MaxDelay));
            Assert.InRange(mine[1].Time, mine[0].Since.AddSeconds(new DriftOptions().ResolveAfterExamples), DateTimeOffset.UnixEpoch.AddSeconds(40_000));
            Assert.Contains("settled", mine[1].SuggestedAction);
            Assert.Equal("concept_drift", mine[0].Kind);
            Assert.Equal(3, mine[0].ModelVersion);
            Assert.Contains("rollback", mine[0].SuggestedAction);
        }
        Assert.Empty(monitor.OpenAlerts);
    }

    /// <summary>
    /// The operator's case: abrupt concept changes at 5,000, 10,000 and 15,000 examples of a learner's progressive loss,
    /// at the default settings. Each change opens one alert per detector within <see cref="ThreeChangesDelay"/> examples,
    /// and each resolves once the learner settles (at a level above the one before: re-baselined), before the next change.
    /// </summary>
    [Fact]
    public void Three_abrupt_changes_open_three_alerts_per_detector_each_resolved_once_the_learner_settles()
    {
        int[] changes = [5_000, 10_000, 15_000];
        var alerts = Monitor(SyntheticStreams.ProgressiveLoss(SyntheticStreams.AbruptHyperplanes(10, 5_000, concepts: 4), learningRate: 1));

        foreach (var detector in new[] { "adwin", "page_hinkley" })
        {
            var mine = alerts.Where(a => a.Alert.Detector == detector).ToList();
            var opened = mine.Where(a => a.Alert.State == DriftAlert.Open).Select(a => a.Example).ToList();
            var report = $"{detector}: {string.Join(", ", mine.Select(a => $"{a.Alert.State}@{a.Example} ({a.Alert.Value:F3} vs {a.Alert.Threshold:F3})"))}";
            Assert.True(opened.Count == changes.Length, report);
            for (var c = 0; c < changes.Length; c++)
            {
                Assert.True(opened[c] >= changes[c] && opened[c] < changes[c] + ThreeChangesDelay, report);
                // Resolved before the next change, so that one can open an alert of its own.
                var next = c + 1 < changes.Length ? changes[c + 1] : 20_000;
                Assert.True(mine.Any(a => a.Alert.State == DriftAlert.Resolved && a.Example > opened[c] && a.Example < next), report);
            }
        }
    }

    [Fact]
    public void The_same_learner_on_the_same_stream_without_changes_raises_no_alert()
    {
        var alerts = Monitor(SyntheticStreams.ProgressiveLoss(SyntheticStreams.AbruptHyperplanes(10, 20_000, concepts: 1), learningRate: 1));
        Assert.True(alerts.Count == 0, string.Join(", ", alerts.Select(a => $"{a.Alert.Detector} {a.Alert.State}@{a.Example}")));
    }

    private const int ThreeChangesDelay = 1_000;

    private static List<(int Example, DriftAlert Alert)> Monitor(IEnumerable<double> losses)
    {
        var monitor = new ConceptDriftMonitor(new DriftOptions());
        var alerts = new List<(int, DriftAlert)>();
        var i = 0;
        foreach (var loss in losses)
        {
            alerts.AddRange(monitor.Observe("m", 1, "progressive_loss", loss, DateTimeOffset.UnixEpoch.AddSeconds(i)).Select(a => (i, a)));
            i++;
        }
        return alerts;
    }
}
