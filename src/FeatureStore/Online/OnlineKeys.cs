namespace Streaming.FeatureStore.Online;

/// <summary>
/// The online store's layout: one hash per (view, entity) holding each aggregation under its name, the
/// current window's bounds, the event-time watermark (newest contribution) and when it was written.
/// Times are Unix milliseconds.
/// </summary>
public static class OnlineKeys
{
    public const string WindowStart = "window_start";
    public const string WindowEnd = "window_end";
    public const string Watermark = "watermark";
    public const string WrittenAt = "written_at";

    public static string For(string view, string entity) => $"features:{view}:{entity}";
}
