using Streaming.Contracts;

namespace Streaming.Ingest;

/// <summary>The two kinds of record producers send.</summary>
public enum IngestStream { Events, Labels }

public static class IngestStreamExtensions
{
    public static string Topic(this IngestStream stream) => stream == IngestStream.Events ? Topics.Events : Topics.Labels;

    /// <summary>The metric label and dead-letter header value.</summary>
    public static string Name(this IngestStream stream) => stream == IngestStream.Events ? "events" : "labels";
}
