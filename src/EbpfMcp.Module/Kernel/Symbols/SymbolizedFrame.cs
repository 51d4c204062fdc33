namespace EbpfMcp.Kernel.Symbols;

/// <summary>Where a frame's code lives, which decides how it was named (and how a flame graph colours it).</summary>
internal enum FrameKind
{
    User,
    Kernel,
    Jit,
}

/// <summary>
/// One stack frame as shown to people: Name is "function" when a symbol is known, "module+0xoff"
/// (offset in the mapped file) when only the file is, and "[unknown]" otherwise. Module is the
/// file (or "[kernel.kallsyms]", a perf map) the name came from; Address the instruction address.
/// </summary>
internal readonly record struct SymbolizedFrame(string Name, FrameKind Kind, string? Module, ulong Address)
{
    public const string Unknown = "[unknown]";
}
