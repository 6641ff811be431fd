using System.Buffers;

namespace Streaming.Platform.IO;

/// <summary>Reads a request body up to a limit, so an oversized body is answered (413) instead of buffered whole.</summary>
public static class BoundedRead
{
    private const int FirstBufferMax = 64 * 1024;

    /// <summary>Reads at most <paramref name="limit"/> + 1 bytes; says whether there were more, or whether the body broke off.</summary>
    /// <param name="lengthHint">The declared length, if any: sizes the first buffer.</param>
    public static async Task<BoundedBody> ReadAsync(Stream stream, int limit, long? lengthHint, CancellationToken cancel)
    {
        // Sized by the declared length (+1 to see the end without growing) up to 64 KiB, and grown by doubling as
        // bytes actually arrive: a client that declares megabytes and sends nothing costs no more than 64 KiB.
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(Math.Min(limit, lengthHint ?? 16 * 1024), FirstBufferMax) + 1);
        while (true)
        {
            var memory = buffer.GetMemory();
            int read;
            try
            {
                read = await stream.ReadAsync(memory, cancel);
            }
            catch (Exception e) when (e is IOException || (e is OperationCanceledException && cancel.IsCancellationRequested))
            {
                // The client closed the connection, or the body ended before its declared length (Kestrel's
                // BadHttpRequestException is an IOException): the request's fault, not the server's.
                return new(buffer.WrittenSpan.ToArray(), TooLarge: false, BrokenOff: e is IOException ? e.Message : "the client closed the connection");
            }
            if (read == 0) return new(buffer.WrittenSpan.ToArray(), TooLarge: false, BrokenOff: null);
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return new(buffer.WrittenSpan.ToArray(), TooLarge: true, BrokenOff: null);
        }
    }
}

/// <summary>
/// A body as far as it was read: the bytes; whether it went past the limit (then only the first limit + 1 bytes or a
/// little more were read); and, when it broke off before its end, why.
/// </summary>
public readonly record struct BoundedBody(byte[] Bytes, bool TooLarge, string? BrokenOff);
