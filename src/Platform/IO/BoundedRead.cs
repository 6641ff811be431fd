using System.Buffers;

namespace Streaming.Platform.IO;

/// <summary>Reads a request body up to a limit, so an oversized body is answered (413) instead of buffered whole.</summary>
public static class BoundedRead
{
    private const int FirstBufferMax = 64 * 1024;

    /// <summary>Reads at most <paramref name="limit"/> + 1 bytes; says whether that was the whole stream.</summary>
    /// <param name="lengthHint">The declared length, if any: sizes the first buffer.</param>
    public static async Task<(byte[] Bytes, bool Complete)> ReadAsync(Stream stream, int limit, long? lengthHint, CancellationToken cancel)
    {
        // Sized by the declared length (+1 to see the end without growing) up to 64 KiB, and grown by doubling as
        // bytes actually arrive: a client that declares megabytes and sends nothing costs no more than 64 KiB.
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(Math.Min(limit, lengthHint ?? 16 * 1024), FirstBufferMax) + 1);
        while (true)
        {
            var memory = buffer.GetMemory();
            var read = await stream.ReadAsync(memory, cancel);
            if (read == 0) return (buffer.WrittenSpan.ToArray(), true);
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return (buffer.WrittenSpan.ToArray(), false);
        }
    }
}
