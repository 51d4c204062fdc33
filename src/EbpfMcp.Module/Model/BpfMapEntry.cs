namespace EbpfMcp.Model;

/// <summary>
/// One key/value pair of a map. Key and Value are decoded through the map's BTF into objects with
/// the C field names (numbers, strings for char arrays, nested objects, arrays) when the map has
/// BTF, and hex strings otherwise. For per-CPU maps, Value is an array with one value per CPU.
/// </summary>
public sealed class BpfMapEntry
{
    public uint MapId { get; internal init; }
    public object? Key { get; internal init; }
    public object? Value { get; internal init; }
    /// <summary>True for per-CPU maps: Value holds one element per possible CPU.</summary>
    public bool PerCpu { get; internal init; }
}
