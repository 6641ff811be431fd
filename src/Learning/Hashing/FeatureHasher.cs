using System.IO.Hashing;
using System.Text;
using Streaming.Contracts;

namespace Streaming.Learning.Hashing;

/// <summary>
/// The hashing trick, in the manner of Vowpal Wabbit: a feature's slot is a hash of its namespace, name
/// and (for categorical features) value, masked to <c>2^bits</c> slots; a categorical feature has value
/// 1. Quadratic interactions between two namespaces cross every pair of their features. Hashes are
/// xxHash32 over UTF-8, so the same example gets the same slots on every machine and in every process.
/// </summary>
public sealed class FeatureHasher
{
    private const uint InteractionPrime = 16777619; // FNV prime, as VW combines the two hashes of a pair
    private readonly Dictionary<string, uint> _namespaceSeeds = new(StringComparer.Ordinal);
    private readonly Dictionary<(uint, string), uint> _nameHashes = [];
    private readonly (string Left, string Right)[] _interactions;

    /// <summary>Bins per unit of the signed log in "bins" mode: a quarter of a unit is a factor of about 1.28.</summary>
    private const int BinsPerLogUnit = 4;

    private readonly string _numbers;

    /// <param name="numbers"><see cref="LearnerSpec.Numbers"/>: "raw", "log1p" for sign(x)·ln(1 + |x|), or "bins" for that value's bin.</param>
    public FeatureHasher(int bits, IEnumerable<(string Left, string Right)>? interactions = null, string numbers = LearnerSpec.RawNumbers)
    {
        if (bits is < 1 or > 30) throw new ArgumentOutOfRangeException(nameof(bits), "Between 1 and 30 bits.");
        if (numbers is not (LearnerSpec.RawNumbers or LearnerSpec.Log1pNumbers or LearnerSpec.BinnedNumbers))
            throw new ArgumentOutOfRangeException(nameof(numbers), $"'{numbers}': use {LearnerSpec.RawNumbers}, {LearnerSpec.Log1pNumbers} or {LearnerSpec.BinnedNumbers}.");
        Bits = bits;
        Mask = (1 << bits) - 1;
        _interactions = interactions?.ToArray() ?? [];
        _numbers = numbers;
    }

    /// <summary>The hasher a learner spec describes (its bits, interactions and number scale).</summary>
    public static FeatureHasher For(LearnerSpec spec) => new(spec.Bits, spec.Interactions.Select(pair => (pair[0], pair[1])), spec.Numbers);

    public int Bits { get; }
    public int Mask { get; }

    /// <summary>Slots in the weight vector: the hashed ones plus the bias, which is last.</summary>
    public int Slots => Mask + 2;

    public int BiasSlot => Mask + 1;

    /// <summary>Hashes one example's features into <paramref name="into"/> (cleared first), bias included.</summary>
    public void Hash(IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue>> features, SparseVector into)
    {
        into.Clear();
        into.Add(BiasSlot, 1f);
        foreach (var (ns, values) in features)
        {
            var seed = NamespaceSeed(ns);
            foreach (var (name, value) in values) AddFeature(into, seed, name, value);
        }
        foreach (var (left, right) in _interactions)
        {
            if (!features.TryGetValue(left, out var a) || !features.TryGetValue(right, out var b)) continue;
            uint leftSeed = NamespaceSeed(left), rightSeed = NamespaceSeed(right);
            foreach (var (nameA, valueA) in a)
            {
                var (hashA, xA) = Slot(leftSeed, nameA, valueA);
                foreach (var (nameB, valueB) in b)
                {
                    var (hashB, xB) = Slot(rightSeed, nameB, valueB);
                    if (xA * xB != 0f) into.Add((int)((hashA * InteractionPrime ^ hashB) & (uint)Mask), xA * xB);
                }
            }
        }
    }

    /// <summary>A stable fingerprint of how features become slots, stored with every snapshot.</summary>
    public string SpecHash()
    {
        // Raw numbers add nothing, so the fingerprints of snapshots made before the option existed still match.
        var spec = $"xxh32;bits={Bits};interactions={string.Join(",", _interactions.Select(i => i.Left + "*" + i.Right))}{(_numbers == LearnerSpec.RawNumbers ? "" : ";numbers=" + _numbers)}";
        return Convert.ToHexStringLower(XxHash64.Hash(Encoding.UTF8.GetBytes(spec)));
    }

    private void AddFeature(SparseVector into, uint seed, string name, FieldValue value)
    {
        var (hash, x) = Slot(seed, name, value);
        if (x != 0f) into.Add((int)(hash & (uint)Mask), x);
    }

    private (uint Hash, float X) Slot(uint seed, string name, FieldValue value) => value.Kind switch
    {
        FieldKind.Number when _numbers == LearnerSpec.RawNumbers => (NameHash(seed, name), (float)value.Number),
        FieldKind.Number when _numbers == LearnerSpec.Log1pNumbers => (NameHash(seed, name), (float)EventFeatures.SignedLog(value.Number)),
        FieldKind.Number => (BinHash(NameHash(seed, name), (int)Math.Floor(EventFeatures.SignedLog(value.Number) * BinsPerLogUnit)), 1f),
        FieldKind.Boolean => (NameHash(seed, name), value.Boolean ? 1f : 0f),
        _ => (NameHash(NameHash(seed, name), value.Text ?? string.Empty), 1f),
    };

    private static uint BinHash(uint nameHash, int bin)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes, bin);
        return XxHash32.HashToUInt32(bytes, (int)nameHash);
    }

    private uint NamespaceSeed(string ns)
    {
        if (!_namespaceSeeds.TryGetValue(ns, out var seed))
            _namespaceSeeds[ns] = seed = Hash(0, ns);
        return seed;
    }

    private uint NameHash(uint seed, string name)
    {
        if (_nameHashes.Count > 1_000_000) _nameHashes.Clear(); // bound the cache under unbounded vocabularies
        if (!_nameHashes.TryGetValue((seed, name), out var hash))
            _nameHashes[(seed, name)] = hash = Hash(seed, name);
        return hash;
    }

    private static uint Hash(uint seed, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        return XxHash32.HashToUInt32(bytes, (int)seed);
    }
}
