using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Streaming.Serving.Inference;
using Streaming.Serving.Models;
using Streaming.Serving.Status;

namespace Streaming.Serving.Http;

/// <summary>
/// GET /status: one server-rendered page for operators (no script, inline SVG, refreshes every 5 s): each model's
/// served version and its progressive loss over the versions this node has seen, open drift alerts, feature
/// freshness and throughput.
/// </summary>
public static class StatusPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static IEndpointRouteBuilder MapStatusPage(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/status", (ModelRegistry registry, VersionHistory history, DriftAlertBoard alerts, FeatureFreshness freshness,
                Throughput throughput, ExecutionDevice device, TimeProvider clock) =>
            Results.Content(Render(registry, history, alerts, freshness, throughput, device, clock.GetUtcNow()), "text/html; charset=utf-8"))
            .WithTags("Operators").ExcludeFromDescription();
        return endpoints;
    }

    private static string Render(ModelRegistry registry, VersionHistory history, DriftAlertBoard alerts, FeatureFreshness freshness,
        Throughput throughput, ExecutionDevice device, DateTimeOffset now)
    {
        var page = new StringBuilder();
        page.Append("""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
            <title>Streaming online learning: status</title>
            <style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}h2{margin-top:28px;border-bottom:1px solid #ddd}
            table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #eee}
            .warn{color:#b00020;font-weight:600}.ok{color:#0a7d32}svg{background:#fafafa;border:1px solid #ddd}</style></head><body>
            <h1>Streaming online learning: status</h1>
            """);
        page.Append(CultureInfo.InvariantCulture, $"<p>ONNX Runtime on <b>{Html.Encode(device.Name)}</b>; page made {now:u}.</p>");

        foreach (var model in registry.Names)
        {
            var served = registry.Peek(model);
            var versions = history.For(model);
            page.Append(CultureInfo.InvariantCulture, $"<h2>Model {Html.Encode(model)}</h2>");
            page.Append(served is null
                ? "<p class=\"warn\">No version loaded yet: has the learner published a snapshot?</p>"
                : string.Create(CultureInfo.InvariantCulture,
                    $"<p>Serving <b>v{served.Version}</b> ({Html.Encode(served.Manifest.Algorithm)}), loaded {served.LoadedAt:u}; learned from {served.Manifest.Metrics.Examples:N0} examples up to {served.Manifest.FeatureWatermark:u}.</p>"));
            page.Append("<p>Progressive log loss over the recent window, per version:</p>");
            page.Append(LossPlot(model, versions));
            page.Append("<table><tr><th>version</th><th>made</th><th>examples</th><th>recent loss</th><th>recent accuracy</th><th>recent AUC</th></tr>");
            foreach (var manifest in versions.TakeLast(8).Reverse())
                page.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>v{manifest.Version}{(manifest.Version == served?.Version ? " (served)" : "")}</td><td>{manifest.CreatedAt:u}</td><td>{manifest.Metrics.Examples:N0}</td><td>{manifest.Metrics.WindowMeanLoss:F4}</td><td>{manifest.Metrics.WindowAccuracy:P1}</td><td>{manifest.Metrics.WindowAuc:F3}</td></tr>");
            page.Append("</table>");
        }

        var open = alerts.Open;
        page.Append(CultureInfo.InvariantCulture, $"<h2>Open drift alerts: {open.Count}</h2>");
        if (open.Count == 0) page.Append("<p class=\"ok\">None.</p>");
        else
        {
            page.Append("<table id=\"alerts\"><tr><th>since</th><th>kind</th><th>model</th><th>what</th><th>detector</th><th>value</th><th>against</th><th>suggested action</th></tr>");
            foreach (var alert in open)
                page.Append(CultureInfo.InvariantCulture,
                    $"<tr class=\"warn\"><td>{alert.Since:u}</td><td>{Html.Encode(alert.Kind)}</td><td>{Html.Encode(alert.Model)} v{alert.ModelVersion}</td><td>{Html.Encode(alert.Subject)}</td><td>{Html.Encode(alert.Detector)}</td><td>{alert.Value:F3}</td><td>{alert.Threshold:F3}</td><td>{Html.Encode(alert.SuggestedAction)}</td></tr>");
            page.Append("</table>");
        }

        page.Append("<h2>Feature freshness</h2><table><tr><th>view</th><th>answered with stored values</th><th>median age</th><th>by status</th></tr>");
        foreach (var (view, share, age, statuses) in freshness.Summary())
            page.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{Html.Encode(view)}</td><td class=\"{(share < 0.5 ? "warn" : "ok")}\">{share:P0}</td><td>{(age is { } ms ? TimeSpan.FromMilliseconds(ms).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) : "–")}</td><td>{Html.Encode(string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value:N0}")))}</td></tr>");
        page.Append("</table>");

        var perSecond = throughput.LastMinute;
        page.Append(CultureInfo.InvariantCulture, $"<h2>Throughput</h2><p>{(perSecond.Count == 0 ? 0 : perSecond[^1]):N0} predictions/s now, {(perSecond.Count == 0 ? 0 : perSecond.Average()):N0}/s over the last {perSecond.Count} s.</p>");
        page.Append(Sparkline(perSecond));
        page.Append("</body></html>");
        return page.ToString();
    }

    /// <summary>Recent-window loss of each version against the time it was made, as an SVG polyline with a dot per version.</summary>
    private static string LossPlot(string model, IReadOnlyList<Contracts.SnapshotManifest> versions)
    {
        const int Width = 720, Height = 220, Pad = 40;
        var points = versions.Where(v => double.IsFinite(v.Metrics.WindowMeanLoss)).ToList();
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg id=\"loss-{Html.Encode(model)}\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"progressive loss per version\">");
        if (points.Count == 0) return svg.Append("<text x=\"20\" y=\"110\">no versions yet</text></svg>").ToString();
        double minX = points.Min(p => p.CreatedAt.ToUnixTimeMilliseconds()), maxX = Math.Max(minX + 1, points.Max(p => p.CreatedAt.ToUnixTimeMilliseconds()));
        double minY = points.Min(p => p.Metrics.WindowMeanLoss), maxY = points.Max(p => p.Metrics.WindowMeanLoss);
        if (maxY - minY < 1e-6) { minY -= 0.05; maxY += 0.05; }
        double X(Contracts.SnapshotManifest m) => Pad + (m.CreatedAt.ToUnixTimeMilliseconds() - minX) / (maxX - minX) * (Width - 2 * Pad);
        double Y(Contracts.SnapshotManifest m) => Height - Pad - (m.Metrics.WindowMeanLoss - minY) / (maxY - minY) * (Height - 2 * Pad);
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Pad}\" y1=\"{Height - Pad}\" x2=\"{Width - Pad}\" y2=\"{Height - Pad}\" stroke=\"#999\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Pad}\" font-size=\"11\">{maxY:F3}</text><text x=\"4\" y=\"{Height - Pad}\" font-size=\"11\">{minY:F3}</text>");
        svg.Append("<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"")
            .AppendJoin(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p):F1},{Y(p):F1}"))).Append("\"/>");
        foreach (var p in points)
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p):F1}\" cy=\"{Y(p):F1}\" r=\"3\" fill=\"#1565c0\"><title>v{p.Version}: {p.Metrics.WindowMeanLoss:F4}</title></circle>");
        return svg.Append("</svg>").ToString();
    }

    private static string Sparkline(IReadOnlyList<double> values)
    {
        const int Width = 360, Height = 60;
        var max = Math.Max(1, values.DefaultIfEmpty(0).Max());
        var points = values.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{i * (Width / 59.0):F1},{Height - v / max * (Height - 4):F1}"));
        return $"<svg id=\"throughput\" width=\"{Width}\" height=\"{Height}\"><polyline fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"2\" points=\"{string.Join(' ', points)}\"/></svg>";
    }
}
