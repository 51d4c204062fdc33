namespace EbpfMcp.Model;

/// <summary>Whether this kernel (and this process's privileges) support one eBPF feature, found by trying it.</summary>
public sealed class BpfFeature
{
    /// <summary>ProgramType, MapType, AttachKind, Helper or Tracer.</summary>
    public string Category { get; internal init; } = "";
    public string Name { get; internal init; } = "";
    public bool Supported { get; internal init; }
    /// <summary>Why not, or for attach kinds and tracers what worked.</summary>
    public string Reason { get; internal init; } = "";

    public override string ToString() => $"{Category}/{Name}: {(Supported ? "yes" : "no")}";
}
