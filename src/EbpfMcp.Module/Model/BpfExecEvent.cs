namespace EbpfMcp.Model;

/// <summary>A process that executed a new program.</summary>
public sealed class BpfExecEvent
{
    public DateTimeOffset Timestamp { get; internal init; }
    public int ProcessId { get; internal init; }
    public int ParentProcessId { get; internal init; }
    /// <summary>The kernel's name of the process after the exec (the new program's file name, 15 characters).</summary>
    public string ProcessName { get; internal init; } = "";
    public uint Uid { get; internal init; }
    /// <summary>The file that was executed, as the kernel resolved it.</summary>
    public string Filename { get; internal init; } = "";
    /// <summary>argv, at most 512 bytes of it (ArgumentsTruncated says when more was cut).</summary>
    public string[] Arguments { get; internal init; } = [];
    public bool ArgumentsTruncated { get; internal init; }
    /// <summary>0: the exec succeeded (failed execs never reach the hook this tracer uses).</summary>
    public int ReturnCode { get; internal init; }
}
