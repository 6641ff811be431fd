namespace Streaming.FeatureStore.Streams;

/// <summary>
/// Whether the pipeline's tasks have their state stores back from the changelogs. Streamiz punctuates tasks that are
/// still restoring (it processes records only in restored ones), so a processor acting on the clock alone must ask
/// first. A stream thread reports RUNNING only once its tasks are restored, so the pipeline sets this from its state;
/// the test driver's tasks have nothing to restore.
/// </summary>
public sealed class StoresRestored(bool initially)
{
    private volatile bool _value = initially;

    public static StoresRestored Always => new(true);

    public bool Value => _value;

    public void Set(bool value) => _value = value;
}
