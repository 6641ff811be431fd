namespace Streaming.Federated;

/// <summary>
/// What a client sends after training locally: the sparse weight delta (slots it changed and by how much) against the
/// version it started from, and how many of its examples it learned. The data itself never leaves the client.
/// </summary>
public sealed record ModelUpdate(string ClientId, long BaseVersion, long ExampleCount, int[] Slots, float[] Deltas);
