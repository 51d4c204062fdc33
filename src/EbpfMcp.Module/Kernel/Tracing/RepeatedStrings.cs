using System.Text;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Strings for variable-length text fields that repeat from event to event (the paths a service
/// opens again and again, the same missing file in a crash loop): each distinct text is decoded
/// once and its string shared, so a storm of the same event allocates no new text. One per trace,
/// used by the thread that reads its ring buffer.
/// </summary>
internal sealed class RepeatedStrings
{
    private const int Slots = 1024; // a power of two: the slot is the hash's low bits
    private readonly (byte[]? Bytes, string? Text)[] slots = new (byte[]?, string?)[Slots];

    /// <summary>The NUL-terminated UTF-8 text at the start of <paramref name="field"/>.</summary>
    public string Get(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        var text = end < 0 ? field : field[..end];
        var hash = new HashCode();
        hash.AddBytes(text);
        ref var slot = ref slots[hash.ToHashCode() & (Slots - 1)];
        if (slot.Bytes is { } known && text.SequenceEqual(known))
        {
            return slot.Text!;
        }
        // A new text, or another one that hashed to the same slot: the newest keeps the slot.
        var decoded = Encoding.UTF8.GetString(text);
        slot = (text.ToArray(), decoded);
        return decoded;
    }
}
