namespace EbpfMcp.Kernel.Loading;

/// <summary>What Install-BpfProgram was asked to do.</summary>
internal sealed record InstallRequest
{
    public required string Path { get; init; }
    public required string Source { get; init; }
    public string? ExpectedSha256 { get; init; }
    public string[]? ProgramNames { get; init; }
    public bool Attach { get; init; }
    public string? PinPath { get; init; }
    public AttachTargets Targets { get; init; } = new();
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
