using Streaming.Platform.IO;

namespace Streaming.Tests;

public sealed class BoundedReadTests
{
    [Theory]
    [InlineData(150, 150L)]       // the usual case: the declared length is right
    [InlineData(150, 20L)]        // declared too short: the buffer grows
    [InlineData(150, 5_000L)]     // declared too long: the stream's end decides
    [InlineData(40_000, null)]    // chunked, past the first 16 KiB
    [InlineData(0, 0L)]
    public void Reads_the_whole_body_whatever_length_was_declared(int length, long? declared)
    {
        var body = Body(length);
        var (bytes, tooLarge, brokenOff) = Read(body, limit: 100_000, declared);
        Assert.False(tooLarge);
        Assert.Null(brokenOff);
        Assert.Equal(body, bytes);
    }

    [Theory]
    [InlineData(1_001, 1_001L)]
    [InlineData(50_000, null)]
    [InlineData(50_000, 10L)]
    public void A_body_over_the_limit_is_reported_after_reading_at_most_a_chunk_past_it(int length, long? declared)
    {
        var (bytes, tooLarge, _) = Read(Body(length), limit: 1_000, declared);
        Assert.True(tooLarge);
        Assert.InRange(bytes.Length, 1_001, 1_000 + ChunkedStream.Chunk);
    }

    [Fact]
    public void A_body_exactly_at_the_limit_is_complete() =>
        Assert.False(Read(Body(1_000), limit: 1_000, 1_000).TooLarge);

    [Fact]
    public async Task A_body_that_breaks_off_returns_what_arrived_and_why_instead_of_throwing()
    {
        var read = await BoundedRead.ReadAsync(new BreakingStream(Body(1_500)), limit: 100_000, 5_000, CancellationToken.None);
        Assert.False(read.TooLarge);
        Assert.Equal(Body(1_500), read.Bytes);
        Assert.Equal("Unexpected end of request content.", read.BrokenOff);
    }

    private static BoundedBody Read(byte[] body, int limit, long? declared) =>
        BoundedRead.ReadAsync(new ChunkedStream(body), limit, declared, CancellationToken.None).GetAwaiter().GetResult();

    private static byte[] Body(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31)).ToArray();

    /// <summary>Hands out its bytes, then fails as Kestrel does when a body ends before its Content-Length.</summary>
    private sealed class BreakingStream(byte[] data) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            return read > 0 ? read : throw new IOException("Unexpected end of request content.");
        }
    }

    /// <summary>Hands out at most <see cref="Chunk"/> bytes per read, as a socket does.</summary>
    private sealed class ChunkedStream(byte[] data) : MemoryStream(data)
    {
        public const int Chunk = 997;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, Chunk)], cancellationToken);
    }
}
