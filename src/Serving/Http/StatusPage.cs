using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Streaming.Serving.Inference;
using Streaming.Serving.Models;
using Streaming.Serving.Rollouts;
using Streaming.Serving.Status;

namespace Streaming.Serving.Http;

/// <summary>
/// GET /status: one server-rendered page for operators (no script, inline SVG, refreshes every 5 s): each model's
/// served version and its progressive loss over the versions this node has seen, its rollout (arms, their live figures and
/// loss over the labels judged, decisions: on the node whose judge is active), open drift alerts, feature freshness and
/// throughput.
/// </summary>
internal static class StatusPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static IEndpointRouteBuilder MapStatusPage(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/status", (ModelRegistry registry, VersionHistory history, DriftAlertBoard alerts, FeatureFreshness freshness,
                Throughput throughput, ExecutionDevice device, RolloutTable rollouts, RolloutJudge judge, TimeProvider clock) =>
            Results.Content(Render(registry, history, alerts, freshness, throughput, device, rollouts, judge, clock.GetUtcNow()), "text/html; charset=utf-8"))
            .WithTags("Operators").ExcludeFromDescription();
        return endpoints;
    }

    private static string Render(ModelRegistry registry, VersionHistory history, DriftAlertBoard alerts, FeatureFreshness freshness,
        Throughput throughput, ExecutionDevice device, RolloutTable rollouts, RolloutJudge judge, DateTimeOffset now)
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
            RolloutSection(page, model, rollouts.For(model), judge);
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

    /// <summary>The model's rollout: its arms and shares, each challenger's live figures against the champion, their loss plot, decisions.</summary>
    private static void RolloutSection(StringBuilder page, string model, Contracts.Rollout? rollout, RolloutJudge judge)
    {
        var standings = judge.Standings.Where(s => s.Model == model).ToList();
        var decisions = judge.Decisions.Where(d => d.Model == model).ToList();
        if (rollout is null && standings.Count == 0 && decisions.Count == 0) return;
        page.Append(CultureInfo.InvariantCulture, $"<h3 id=\"rollout-{Html.Encode(model)}\">Rollout</h3>");
        page.Append(rollout is null
            ? "<p>None now: the model answers every request.</p>"
            : string.Create(CultureInfo.InvariantCulture,
                $"<p>{Html.Encode(rollout.Mode)} since {rollout.Since:u}, sticky by {Html.Encode(rollout.StickyKey ?? "every key")}; challengers {Html.Encode(string.Join(", ", rollout.Challengers.Select(c => $"{c.Model} ({c.Percent} %)")))}.</p>"));
        if (standings.Count == 0) page.Append("<p>No labelled answers judged on this node (the judge runs on one node of the group rollout-judge).</p>");
        else
        {
            page.Append("<table class=\"arms\"><tr><th>challenger</th><th>mode</th><th>labels</th><th>champion loss</th><th>challenger loss</th><th>champion AUC</th><th>challenger AUC</th><th>z</th></tr>");
            foreach (var standing in standings)
            {
                var judged = standing.Judged;
                page.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{Html.Encode(standing.Challenger)}</td><td>{Html.Encode(standing.Mode)}</td><td>{judged.Labels:N0}</td><td>{judged.ChampionLoss:F4}</td><td>{judged.ChallengerLoss:F4}</td><td>{standing.ChampionAuc:F3}</td><td>{standing.ChallengerAuc:F3}</td><td>{judged.Z:F2}</td></tr>");
            }
            page.Append("</table><p>Each arm's mean loss since the rollout began, against the labels judged (blue: champion, orange: challenger):</p>");
            foreach (var standing in standings)
                page.Append(Plot($"arms-{model}-{standing.Challenger}", "loss of each arm over the labels judged",
                    [("#1565c0", [.. standing.History.Select(p => ((double)p.Labels, p.ChampionLoss, $"{model}: {p.ChampionLoss:F4} at {p.Labels:N0}"))]),
                     ("#ef6c00", [.. standing.History.Select(p => ((double)p.Labels, p.ChallengerLoss, $"{standing.Challenger}: {p.ChallengerLoss:F4} at {p.Labels:N0}"))])]));
        }
        foreach (var decision in decisions)
            page.Append(CultureInfo.InvariantCulture, $"<p class=\"decision\"><b>{decision.Time:u}: {Html.Encode(decision.Decision)} {Html.Encode(decision.Challenger)}</b>. {Html.Encode(decision.Reason)}</p>");
    }

    /// <summary>Recent-window loss of each version against the time it was made, with a dot per version.</summary>
    private static string LossPlot(string model, IReadOnlyList<Contracts.SnapshotManifest> versions) =>
        Plot($"loss-{model}", "progressive loss per version",
            [("#1565c0", [.. versions.Select(v => ((double)v.CreatedAt.ToUnixTimeMilliseconds(), v.Metrics.WindowMeanLoss, $"v{v.Version}: {v.Metrics.WindowMeanLoss:F4}"))])],
            "no versions yet");

    /// <summary>Series of (x, y, tooltip) points as SVG polylines with a dot per point, on shared scales; the y range is labelled.</summary>
    private static string Plot(string id, string label, IReadOnlyList<(string Color, IReadOnlyList<(double X, double Y, string Title)> Points)> series, string empty = "no points yet")
    {
        const int Width = 720, Height = 220, Pad = 40;
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg id=\"{Html.Encode(id)}\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Html.Encode(label)}\">");
        var finite = series.Select(s => (s.Color, Points: s.Points.Where(p => double.IsFinite(p.Y)).ToList())).ToList();
        var all = finite.SelectMany(s => s.Points).ToList();
        if (all.Count == 0) return svg.Append(CultureInfo.InvariantCulture, $"<text x=\"20\" y=\"110\">{Html.Encode(empty)}</text></svg>").ToString();
        double minX = all.Min(p => p.X), maxX = Math.Max(minX + 1, all.Max(p => p.X));
        double minY = all.Min(p => p.Y), maxY = all.Max(p => p.Y);
        if (maxY - minY < 1e-6) { minY -= 0.05; maxY += 0.05; }
        double X(double x) => Pad + (x - minX) / (maxX - minX) * (Width - 2 * Pad);
        double Y(double y) => Height - Pad - (y - minY) / (maxY - minY) * (Height - 2 * Pad);
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Pad}\" y1=\"{Height - Pad}\" x2=\"{Width - Pad}\" y2=\"{Height - Pad}\" stroke=\"#999\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Pad}\" font-size=\"11\">{maxY:F3}</text><text x=\"4\" y=\"{Height - Pad}\" font-size=\"11\">{minY:F3}</text>");
        foreach (var (color, points) in finite)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"")
                .AppendJoin(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.X):F1},{Y(p.Y):F1}"))).Append("\"/>");
            foreach (var p in points)
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p.X):F1}\" cy=\"{Y(p.Y):F1}\" r=\"3\" fill=\"{color}\"><title>{Html.Encode(p.Title)}</title></circle>");
        }
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
