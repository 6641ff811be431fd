using System.Diagnostics;
using Streaming.Testing;
using Streaming.Tests.Support;

namespace Streaming.Tests.Drift;

/// <summary>
/// The shipped Prometheus rules and Alertmanager configuration, checked by Prometheus's own tools (Debian's
/// prometheus and prometheus-alertmanager packages; .ci/run installs them). Where they are not installed the
/// tests are skipped, except in CI, where that is a failure.
/// </summary>
public sealed class PrometheusRulesTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "compose", "prometheus");

    [SkippableTheory]
    [InlineData("promtool", "check rules alerts.yml")]
    [InlineData("promtool", "test rules alerts.test.yml")]
    [InlineData("promtool", "check config prometheus.yml")]
    [InlineData("amtool", "check-config alertmanager.yml")]
    public void The_shipped_configuration_passes_prometheus_own_checks(string tool, string arguments)
    {
        var path = InstalledTool.Require(tool, "prometheus prometheus-alertmanager");
        var start = new ProcessStartInfo(path, arguments) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("SUCCESS", output);
    }
}
