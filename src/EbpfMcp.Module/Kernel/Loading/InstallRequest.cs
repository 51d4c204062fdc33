namespace EbpfMcp.Kernel.Loading;

/// <summary>What Install-BpfProgram was asked to do.</summary>
internal sealed record InstallRequest
{
    /// <summary>The object, read once (from a file or a download) and never opened again.</summary>
    public required byte[] Bytes { get; init; }
    /// <summary>Its file name, which names the object (and so its .rodata/.bss maps).</summary>
    public required string ObjectName { get; init; }
    /// <summary>Where it came from, for messages and the installation's Source.</summary>
    public required string Source { get; init; }
    public string? ExpectedSha256 { get; init; }
    public string[]? ProgramNames { get; init; }
    public bool Attach { get; init; }
    public string? PinPath { get; init; }
    public AttachTargets Targets { get; init; } = new();
    /// <summary>What this install may add (checked before loading).</summary>
    public InstallBudget Budget { get; init; } = InstallBudget.Unlimited;
    /// <summary>Who may uninstall it: an MCP session, or this process by default.</summary>
    public required string Owner { get; init; }
}

/// <summary>Where programs whose section does not name a hook get attached.</summary>
internal sealed record AttachTargets
{
    /// <summary>Network interface for XDP programs.</summary>
    public string? Interface { get; init; }
    /// <summary>cgroup v2 directory for cgroup programs.</summary>
    public string? Cgroup { get; init; }
    /// <summary>category:name for tracepoint programs, instead of their section's tracepoint.</summary>
    public string? Tracepoint { get; init; }
    /// <summary>Binary and function for uprobe programs whose section names neither.</summary>
    public string? Binary { get; init; }
    public string? Symbol { get; init; }
    /// <summary>Samples per second per CPU for perf_event programs (software cpu-clock).</summary>
    public int SampleFrequency { get; init; } = 49;
}
