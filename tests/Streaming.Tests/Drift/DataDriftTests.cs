using Streaming.Contracts;
using Streaming.Drift;
using Streaming.Drift.DataDrift;

namespace Streaming.Tests.Drift;

/// <summary>A sudden shift in one feature's distribution, against a reference profile; the statistics against known values.</summary>
public sealed class DataDriftTests
{
    private static double Normal(Random random, double mean) =>
        mean + Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void A_sudden_shift_in_one_feature_opens_one_alert_for_that_feature_within_one_window_and_resolves_when_it_returns()
    {
        var random = new Random(5);
        var reservoirs = new[] { "shifting", "steady" }.ToDictionary(f => f, _ => new ReservoirSample());
        for (var i = 0; i < 50_000; i++)
        {
            reservoirs["shifting"].Add(Normal(random, 0));
            reservoirs["steady"].Add(random.NextDouble());
        }
        var reference = reservoirs.ToDictionary(r => r.Key, r => FeatureProfile.FromSample(r.Value.Values));
        var options = new DriftOptions { RecentWindow = 2_000, MinRecentValues = 500 };
        var monitor = new DataDriftMonitor(options, "m");
        monitor.Rebase(7, reference);
        var alerts = new List<(int Check, DriftAlert Alert)>();
        const int PerCheck = 500, ShiftAtCheck = 20, BackAtCheck = 40;
        for (var check = 0; check < 60; check++)
        {
            var mean = check is >= ShiftAtCheck and < BackAtCheck ? 1.0 : 0.0; // one standard deviation
            for (var i = 0; i < PerCheck; i++)
            {
                monitor.Add("shifting", Normal(random, mean));
                monitor.Add("steady", random.NextDouble());
            }
            alerts.AddRange(monitor.Check(DateTimeOffset.UnixEpoch.AddMinutes(check)).Select(a => (check, a)));
        }

        Assert.All(alerts, a => Assert.Equal("shifting", a.Alert.Subject));
        Assert.Equal([DriftAlert.Open, DriftAlert.Resolved], alerts.Select(a => a.Alert.State));
        // Opened once a quarter of the window (500 of 2,000 values) is shifted or more: within one window of the change.
        Assert.InRange(alerts[0].Check, ShiftAtCheck, ShiftAtCheck + options.RecentWindow / PerCheck - 1);
        Assert.True(alerts[0].Alert.Value >= options.PsiAlert);
        Assert.Equal("data_drift", alerts[0].Alert.Kind);
        Assert.Equal(7, alerts[0].Alert.ModelVersion);
        Assert.InRange(alerts[1].Check, BackAtCheck, BackAtCheck + options.RecentWindow / PerCheck + options.CalmChecksToResolve);
    }

    [Fact]
    public void Identical_histograms_have_no_shift_and_disjoint_ones_the_largest()
    {
        var same = DistributionShift.Between([100, 100, 100, 100], [50, 50, 50, 50]);
        Assert.Equal(0, same.Psi, 12);
        Assert.Equal(0, same.KsStatistic, 12);
        Assert.Equal(1, same.KsPValue, 6);

        var disjoint = DistributionShift.Between([100, 100, 0, 0], [0, 0, 100, 100]);
        Assert.Equal(1, disjoint.KsStatistic, 12);
        Assert.True(disjoint.KsPValue < 1e-10);
        Assert.True(disjoint.Psi > 5);
    }

    [Theory]
    [InlineData(0.5, 0.9639)] // the Kolmogorov distribution's survival function, standard table values
    [InlineData(1.0, 0.2700)]
    [InlineData(1.36, 0.0494)]
    [InlineData(1.63, 0.0098)]
    public void The_kolmogorov_survival_function_matches_its_table(double lambda, double expected) =>
        Assert.Equal(expected, DistributionShift.KolmogorovSurvival(lambda), 3);

    [Fact]
    public void A_profile_puts_a_tenth_of_its_sample_in_each_decile_bin()
    {
        var profile = FeatureProfile.FromSample(Enumerable.Range(0, 10_000).Select(i => (double)i).ToList());
        Assert.Equal(9, profile.Edges.Length);
        Assert.All(profile.Counts, count => Assert.InRange(count, 999, 1_001));
        var ties = FeatureProfile.FromSample(Enumerable.Repeat(0.0, 1_000).ToList());
        Assert.Single(ties.Edges); // all deciles equal: one edge, values at it fall in the first bin
        Assert.Equal(1_000, ties.Counts[0]);
    }
}
