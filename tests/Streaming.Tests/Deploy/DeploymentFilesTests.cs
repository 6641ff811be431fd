using Streaming.DataParallel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Streaming.Testing;
using Streaming.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Streaming.Tests.Deploy;

/// <summary>
/// What can be checked here of compose/ and deploy/k8s without a container engine or a cluster: the compose file by
/// docker-compose's own validation (Debian's docker-compose 1.29, `config -q`), the balancer by `nginx -t`, the Grafana
/// dashboard against the metrics the code declares, and the Kubernetes manifests against the service's subcommands,
/// health endpoints and consumer groups. Tools missing outside CI skip; in CI (.ci/run installs them) that fails.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Compose = Path.Combine(Repository.Root, "compose");

    [SkippableFact]
    public void The_compose_file_validates_and_refuses_to_start_without_its_secrets()
    {
        var tool = InstalledTool.Require("docker-compose", "docker-compose");
        var file = Path.Combine(Compose, "docker-compose.yml");
        var (exit, output) = Run(tool, ["-f", file, "config", "-q"], ("ADMIN_API_KEY", "an-operator-key-of-24-chars"), ("GRAFANA_ADMIN_PASSWORD", "a-password"));
        Assert.True(exit == 0, output);

        (exit, output) = Run(tool, ["-f", file, "config", "-q"], ("GRAFANA_ADMIN_PASSWORD", "a-password"));
        Assert.NotEqual(0, exit);
        Assert.Contains("ADMIN_API_KEY", output);
    }

    [Fact]
    public void Every_port_compose_publishes_binds_to_loopback()
    {
        var text = File.ReadAllText(Path.Combine(Compose, "docker-compose.yml"));
        var published = PortsLine().Matches(text).SelectMany(m => m.Groups[1].Value.Split(',')).Select(p => p.Trim().Trim('"')).ToList();
        Assert.True(published.Count >= 7, $"ports found: {string.Join(" ", published)}");
        Assert.All(published, port => Assert.StartsWith("127.0.0.1:", port));
    }

    [SkippableFact]
    public void The_balancer_configuration_passes_nginx_t()
    {
        var tool = InstalledTool.Require("nginx", "nginx");
        // nginx -t resolves upstream names; the compose service names exist only inside compose's network.
        var (exit, output) = Run(tool, ["-t", .. NginxBalancer.Arguments(NginxBalancer.WriteConfiguration([8083, 8084], 8085))]);
        Assert.True(exit == 0, output);
        Assert.Contains("test is successful", output);
    }

    [Fact]
    public void The_dashboard_uses_the_provisioned_datasource_and_only_metrics_the_service_declares()
    {
        var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Compose, "grafana", "dashboards", "streaming.json"))).RootElement;
        var datasource = Yaml(Path.Combine(Compose, "grafana", "provisioning", "datasources", "prometheus.yml")).Single();
        var uid = Scalar(datasource, "datasources", 0, "uid");
        var declared = DeclaredMetrics();
        var panels = dashboard.GetProperty("panels").EnumerateArray().ToList();
        foreach (var panel in panels)
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                Assert.Equal(uid, target.GetProperty("datasource").GetProperty("uid").GetString());
                foreach (Match metric in MetricName().Matches(target.GetProperty("expr").GetString()!))
                {
                    var name = HistogramSuffix().Replace(metric.Value, "");
                    Assert.True(declared.Contains(name), $"panel '{panel.GetProperty("title")}' queries {metric.Value}, which no code declares");
                }
            }
        }
        var titles = string.Join(" | ", panels.Select(p => p.GetProperty("title").GetString()!.ToLowerInvariant()));
        foreach (var topic in new[] { "throughput", "freshness", "consumer lag", "p99", "model versions", "drift", "rollout arms" })
            Assert.True(titles.Contains(topic), $"no panel on {topic}: {titles}");
    }

    [Fact]
    public void The_kubernetes_manifests_run_real_subcommands_probe_real_endpoints_and_scale_on_real_consumer_groups()
    {
        var documents = Directory.GetFiles(Path.Combine(Repository.Root, "deploy", "k8s"), "*.yaml").SelectMany(Yaml).ToList();
        string Kind(YamlMappingNode d) => Scalar(d, "kind");
        var deployments = documents.Where(d => Kind(d) == "Deployment").ToDictionary(d => Scalar(d, "metadata", "name"));
        Assert.Equal(["features", "ingest", "learner", "learner-worker", "parameter-server", "serve"], deployments.Keys.Order());
        foreach (var (name, deployment) in deployments)
        {
            Assert.Equal(name, Scalar(deployment, "spec", "template", "spec", "containers", 0, "args", 0));
            Assert.Equal(Scalar(deployment, "spec", "selector", "matchLabels", "app.kubernetes.io/name"), Scalar(deployment, "spec", "template", "metadata", "labels", "app.kubernetes.io/name"));
            Assert.Equal("/readyz", Scalar(deployment, "spec", "template", "spec", "containers", 0, "readinessProbe", "httpGet", "path"));
            Assert.Equal("/healthz", Scalar(deployment, "spec", "template", "spec", "containers", 0, "livenessProbe", "httpGet", "path"));
        }
        var hpa = documents.Single(d => Kind(d) == "HorizontalPodAutoscaler");
        Assert.Equal("serve", Scalar(hpa, "spec", "scaleTargetRef", "name"));

        // The consumer groups KEDA watches are the ones the parts join: Streamiz's application id, the learner's per model.
        var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "src", "Host", "appsettings.json"))).RootElement;
        var groups = new Dictionary<string, string>
        {
            ["features"] = settings.GetProperty("Features").GetProperty("ApplicationId").GetString()!,
            ["learner"] = "learner-" + settings.GetProperty("Learner").GetProperty("Model").GetString(),
            ["learner-worker"] = "learner-workers-" + new DataParallelOptions().Model,
        };
        var scaled = documents.Where(d => Kind(d) == "ScaledObject").ToDictionary(d => Scalar(d, "spec", "scaleTargetRef", "name"));
        Assert.Equal(groups.Keys.Order(), scaled.Keys.Order());
        foreach (var (target, group) in groups)
            Assert.Equal(group, Scalar(scaled[target], "spec", "triggers", 0, "metadata", "consumerGroup"));
        Assert.True(int.Parse(Scalar(scaled["features"], "spec", "maxReplicaCount")) <= settings.GetProperty("Kafka").GetProperty("StreamPartitions").GetInt32(),
            "more feature pods than partitions would idle");
        var backends = documents.Single(d => Kind(d) == "ConfigMap" && Scalar(d, "metadata", "name") == "streaming-backends");
        Assert.True(int.Parse(Scalar(scaled["learner-worker"], "spec", "maxReplicaCount")) <= int.Parse(Scalar(backends, "data", "Kafka__TrainingExamplePartitions")),
            "more learner workers than training-examples partitions would idle");
    }

    private static HashSet<string> DeclaredMetrics() =>
        Directory.GetFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => QuotedMetric().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet();

    private static IEnumerable<YamlMappingNode> Yaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
    }

    private static string Scalar(YamlNode node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step switch
            {
                string key => ((YamlMappingNode)node).Children[new YamlScalarNode(key)],
                int index => ((YamlSequenceNode)node).Children[index],
                _ => throw new ArgumentException($"bad path step {step}"),
            };
        }
        return ((YamlScalarNode)node).Value!;
    }

    private static (int Exit, string Output) Run(string tool, IEnumerable<string> arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var name in new[] { "ADMIN_API_KEY", "GRAFANA_ADMIN_PASSWORD" }) start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }

    [GeneratedRegex(@"ports:\s*\[([^\]]*)\]")]
    private static partial Regex PortsLine();

    [GeneratedRegex(@"streaming_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex("\"(streaming_[a-z0-9_]+)\"")]
    private static partial Regex QuotedMetric();
}
