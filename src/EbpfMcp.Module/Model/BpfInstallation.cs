namespace EbpfMcp.Model;

/// <summary>
/// What one Install-BpfProgram call put into the kernel. It stays until Uninstall-BpfProgram, the
/// module's removal or the end of the process; only its owner may uninstall it.
/// </summary>
public sealed class BpfInstallation
{
    /// <summary>Installation id, e.g. "bpf-4f1c2a9e"; Uninstall-BpfProgram -Id takes it.</summary>
    public string Id { get; internal init; } = "";
    /// <summary>Who may uninstall it: "process:PID" by default, or what Install-BpfProgram -Owner said (the MCP bridge: its session).</summary>
    public string Owner { get; internal init; } = "";
    public string Source { get; internal init; } = "";
    public string Sha256 { get; internal init; } = "";
    public int ProgramCount => Programs.Length;
    public int MapCount => Maps.Length;
    public BpfInstalledProgram[] Programs { get; internal init; } = [];
    public BpfInstalledMap[] Maps { get; internal init; } = [];
    /// <summary>The bpffs directory the objects were pinned under, when -PinPath was given.</summary>
    public string? PinPath { get; internal init; }
    public DateTimeOffset InstalledAt { get; internal init; }
    /// <summary>Kernel memory its programs and maps lock (the kernel's memlock charge, from fdinfo), in bytes.</summary>
    public long MemlockBytes { get; internal init; }

    public override string ToString() => $"{Id} {Source}";
}

/// <summary>A program loaded by an installation.</summary>
public sealed class BpfInstalledProgram
{
    public uint Id { get; internal init; }
    public string Name { get; internal init; } = "";
    public string Type { get; internal init; } = "";
    public string Section { get; internal init; } = "";
    public string[] AttachedTo { get; internal init; } = [];

    public override string ToString() => $"{Id} {Name}";
}

/// <summary>A map created by an installation.</summary>
public sealed class BpfInstalledMap
{
    public uint Id { get; internal init; }
    public string Name { get; internal init; } = "";
    public string Type { get; internal init; } = "";

    public override string ToString() => $"{Id} {Name}";
}
