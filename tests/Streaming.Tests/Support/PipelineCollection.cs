namespace Streaming.Tests.Support;

/// <summary>
/// Tests that run the whole feature pipeline take both cores for tens of seconds; they run one at a
/// time (beside the rest of the suite) so that none of them starves another past its timeout.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection
{
    public const string Name = "pipelines";
}
