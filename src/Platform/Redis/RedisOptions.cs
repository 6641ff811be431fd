using System.ComponentModel.DataAnnotations;
namespace Streaming.Platform.Redis;

/// <summary>Configuration section "Redis".</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string. Empty: start Garnet in this process.</summary>
    public string? Configuration { get; set; }

    /// <summary>Port for embedded Garnet; 0 picks a free loopback port.</summary>
    [Range(0, 65535)]
    public int EmbeddedPort { get; set; }

    /// <summary>Log memory for embedded Garnet, in Garnet's size syntax.</summary>
    public string EmbeddedMemory { get; set; } = "256m";

    public bool IsEmbedded => string.IsNullOrWhiteSpace(Configuration);
}
