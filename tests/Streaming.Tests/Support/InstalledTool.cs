namespace Streaming.Tests.Support;

/// <summary>
/// A program from Debian that a test drives (promtool, nginx, docker-compose, chromium): its path, or the test is
/// skipped where it is not installed. Except in CI, where .ci/run installs every one of them: missing there is a failure.
/// </summary>
public static class InstalledTool
{
    public static string Require(string name, string package)
    {
        var path = new[] { "/usr/bin", "/usr/sbin", "/usr/local/bin" }.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        if (path is not null) return path;
        Assert.Null(Environment.GetEnvironmentVariable("CI"));
        Skip.If(true, $"{name} is not installed (apt-get install -y {package})");
        return null!; // not reached: Skip.If throws
    }
}
