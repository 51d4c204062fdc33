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
    /// <summary>argv, at most 512 bytes of it (ArgumentsTruncated says when more was cut); one line of text in Export-Csv.</summary>
    public BpfArgumentList Arguments { get; internal init; } = new([]);
    public bool ArgumentsTruncated { get; internal init; }
    /// <summary>0 when the exec succeeded; -errno when it failed (then Filename is what was asked for and Arguments is empty).</summary>
    public int ReturnCode { get; internal init; }
    /// <summary>"ENOENT" for a failed exec, null for a successful one.</summary>
    public string? Errno { get; internal init; }
}
