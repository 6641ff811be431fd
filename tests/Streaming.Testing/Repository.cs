namespace Streaming.Testing;

/// <summary>The checkout the tests run from, for tests that read its shipped files (docs, compose).</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Streaming.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("Streaming.sln not found above the test binaries.");
    }
}
