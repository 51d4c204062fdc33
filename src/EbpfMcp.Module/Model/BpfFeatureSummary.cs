namespace EbpfMcp.Model;

/// <summary>
/// One category of features at a glance (what Get-BpfFeature says without arguments): how many
/// work here, and the names of those that do not.
/// </summary>
public sealed class BpfFeatureSummary
{
    /// <summary>ProgramType, MapType, AttachKind, Helper or Tracer.</summary>
    public string Category { get; internal init; } = "";
    public int Supported { get; internal init; }
    public int Unsupported { get; internal init; }
    /// <summary>
    /// The first <see cref="MaxNames"/> features of this category this kernel cannot use
    /// (Get-BpfFeature -Category lists them all, with the reason).
    /// </summary>
    public string[] UnsupportedNames { get; internal init; } = [];

    public const int MaxNames = 12;

    public override string ToString() => $"{Category}: {Supported} supported, {Unsupported} not";
}
