namespace EbpfMcp.Model;

/// <summary>A BPF map in the kernel and the programs that use it.</summary>
public sealed class BpfMap
{
    public uint Id { get; internal init; }
    public string Name { get; internal init; } = "";
    /// <summary>Map type as libbpf names it: hash, array, percpu_array, ringbuf, ...</summary>
    public string Type { get; internal init; } = "";
    public uint KeySize { get; internal init; }
    public uint ValueSize { get; internal init; }
    public uint MaxEntries { get; internal init; }
    public uint Flags { get; internal init; }
    /// <summary>The BTF object describing key and value; 0 when the map has no BTF.</summary>
    public uint BtfId { get; internal init; }
    public uint[] ProgramIds { get; internal init; } = [];
    public string[] Pinned { get; internal init; } = [];
    public string? InstalledBy { get; internal init; }

    public override string ToString() => $"{Id} {Type} {Name}";
}
