using Prometheus;

namespace Streaming.Offline.Backfill;

/// <summary>
/// Parity figures as Prometheus text, for node_exporter's textfile collector: a batch job has no /metrics to scrape.
/// A registry of its own, exported by prometheus-net, so the format is the library's.
/// </summary>
internal static class ParityMetrics
{
    public static async Task WriteAsync(string path, ParityResult online, ExampleSkewResult? examples, CancellationToken cancellationToken)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        factory.CreateGauge("streaming_offline_parity_compared", "Online values compared between streaming and the backfill.", "source")
            .WithLabels("online").Set(online.Compared);
        factory.CreateGauge("streaming_offline_parity_mismatches", "Online fields that differ between streaming and the backfill.", "source")
            .WithLabels("online").Set(online.Mismatches.Count);
        if (examples is not null)
        {
            var shareEqual = factory.CreateGauge("streaming_offline_example_share_equal",
                "Share of examples whose namespace's features are equal, streamed against backfilled.", "view");
            var difference = factory.CreateGauge("streaming_offline_example_mean_abs_difference",
                "Mean absolute difference of a namespace's numeric features, streamed against backfilled.", "view");
            foreach (var view in examples.Views)
            {
                shareEqual.WithLabels(view.View).Set(view.ShareEqual);
                difference.WithLabels(view.View).Set(view.MeanAbsoluteDifference);
            }
        }
        await using var file = File.Create(path);
        await registry.CollectAndExportAsTextAsync(file, cancellationToken);
    }
}
