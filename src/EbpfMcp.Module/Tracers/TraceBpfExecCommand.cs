using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Tracers;

/// <summary>Trace-BpfExec: process executions as they happen, successful and failed.</summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfExec")]
[OutputType(typeof(BpfExecEvent), typeof(BpfEventGroup))]
[BpfTracer("exec_events")]
// Successful execs from the scheduler's tracepoint, failed ones from the syscalls' exits.
[BpfHook(1, "tracepoint:sched:sched_process_exec", "exec_event", "execve_enter", "execve_exit", "execveat_enter", "execveat_exit")]
[BpfHook(2, "tracepoint:sched:sched_process_exec", "exec_event")]
public sealed class TraceBpfExecCommand : BpfEventTraceCmdlet<BpfExecEvent, TraceBpfExecCommand.ExecEvent>
{
    /// <summary>Count the executions by these properties instead of returning each one.</summary>
    [Parameter]
    [ValidateSet("ProcessName", "ProcessId", "ParentProcessName", "ParentProcessId", "UserId", "CgroupPath", "ContainerId", "Filename", "Errno")]
    public override string[]? GroupBy { get; set; }

    private protected override unsafe BpfExecEvent Decode(ExecEvent r, EventContextDecoder context)
    {
        int argsSize = (int)Math.Min(r.args_size, ExecEvent.ArgsLength);
        var args = Encoding.UTF8.GetString(r.args, argsSize).Split('\0');
        return new BpfExecEvent
        {
            Filename = CommNames.Decode(new ReadOnlySpan<byte>(r.filename, ExecEvent.FilenameLength)),
            // /proc-style argv: NUL-separated, with a final NUL.
            Arguments = new(args.Length > 0 && args[^1].Length == 0 ? args[..^1] : args),
            ArgumentsTruncated = argsSize == ExecEvent.ArgsLength && r.args[argsSize - 1] != 0,
            ReturnCode = r.return_code,
            Errno = r.return_code < 0 ? ErrnoNames.Name(-r.return_code) : null,
        };
    }

    /// <summary>struct exec_event of bpf/exec_events.bpf.c.</summary>
    [BtfStruct("exec_event")]
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct ExecEvent
    {
        internal const int FilenameLength = 256, ArgsLength = 512;
        internal EventContextRecord ctx;
        internal uint args_size;
        internal int return_code;
        internal fixed byte filename[FilenameLength];
        internal fixed byte args[ArgsLength];
    }
}

/// <summary>A process that executed a new program (or tried to: ReturnCode says).</summary>
public sealed class BpfExecEvent : BpfTraceEvent
{
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
