using System.Collections.Concurrent;
using Streaming.Tests.Support;

namespace Streaming.Tests;

/// <summary>The `streaming` command line as users type it: unknown tokens are errors, configuration overrides pass.</summary>
public sealed class CommandLineTests
{
    private static async Task<(int Exit, string Output)> RunAsync(params string[] arguments)
    {
        var lines = new ConcurrentQueue<string>();
        using var process = HostProcess.Start(arguments, lines.Enqueue);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit(); // drains the redirected streams
        return (process.ExitCode, string.Join('\n', lines));
    }

    [Fact]
    public async Task A_misspelt_option_is_an_error_with_a_suggestion_and_nothing_runs()
    {
        var (exit, output) = await RunAsync("demo", "--once", "--limt", "10");
        Assert.NotEqual(0, exit);
        Assert.Contains("'--limt'", output);
        Assert.Contains("--limit", output);
        Assert.Contains("Unrecognized command or argument '--limt'", output);
        // Nothing ran: a demo would have built its host and logged its start.
        Assert.DoesNotContain("Now listening", output);
    }

    [Theory]
    [InlineData("backfill")]
    [InlineData("federate")]
    public async Task A_command_given_a_file_that_is_not_there_exits_2_and_says_what_to_pass(string command)
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-flights-{Guid.NewGuid():N}.parquet");
        var (exit, output) = await RunAsync(command, "--data", missing);
        Assert.Equal(2, exit);
        Assert.Contains($"No flights file at {missing}", output);
        Assert.DoesNotContain("   at ", output); // a message, not a stack trace
    }

    [Fact]
    public async Task A_configuration_override_in_either_form_reaches_the_configuration_and_a_malformed_one_is_an_error()
    {
        // An out-of-range value proves the override was read: validation at start names it and exits non-zero.
        var (exit, output) = await RunAsync("ingest", "--urls", "http://127.0.0.1:0", "--Ingest:MaxErrors=0");
        Assert.NotEqual(0, exit);
        Assert.Contains("MaxErrors", output);
        (exit, output) = await RunAsync("ingest", "--urls", "http://127.0.0.1:0", "--Ingest:MaxErrors", "0");
        Assert.NotEqual(0, exit);
        Assert.Contains("MaxErrors", output);

        (exit, output) = await RunAsync("serve", "--urls", "http://127.0.0.1:0", "--Serving:Device=tpu");
        Assert.Equal(2, exit);
        Assert.Contains("Invalid configuration, nothing was started", output);
        Assert.Contains("Serving:Device", output);

        (exit, output) = await RunAsync("ingest", "--set", "Ingest");
        Assert.NotEqual(0, exit);
        Assert.Contains("not a configuration override", output);
    }
}
