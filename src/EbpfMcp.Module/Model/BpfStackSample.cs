namespace EbpfMcp.Model;

/// <summary>
/// One distinct stack of one process in a CPU or off-CPU profile: how often it was sampled on the
/// CPU (or how often and how long it blocked), its share of the profile, and its frames.
/// </summary>
public sealed class BpfStackSample
{
    /// <summary>The process's name (its thread-group leader's comm).</summary>
    public string ProcessName { get; internal init; } = "";
    public int ProcessId { get; internal init; }
    /// <summary>On-CPU: samples taken in this stack. Off-CPU: times the process blocked in it.</summary>
    public ulong Count { get; internal init; }
    /// <summary>Share of all samples (on-CPU) or of all blocked time (off-CPU) in the profile, 0 to 100.</summary>
    public double Percent { get; internal init; }
    /// <summary>Root first: "function", "module+0xoff" (offset in the mapped file) or "[unknown]"; user frames, then kernel frames.</summary>
    public string[] Frames { get; internal init; } = [];
    /// <summary>"process;root;...;leaf", the collapsed-stack form flame graph tools read.</summary>
    public string Folded { get; internal init; } = "";
    /// <summary>Off-CPU only: the time spent blocked in this stack; null in CPU profiles.</summary>
    public TimeSpan? BlockedTime { get; internal init; }
}
