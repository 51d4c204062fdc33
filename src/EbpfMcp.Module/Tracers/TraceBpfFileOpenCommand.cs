using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Tracers;

/// <summary>Trace-BpfFileOpen: open/openat/openat2 calls with their path, flags and result, as they happen.</summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfFileOpen")]
[OutputType(typeof(BpfFileOpenEvent), typeof(BpfEventGroup))]
[BpfTracer("file_opens")]
// One program at every system call's exit, reading the open's arguments from the saved registers:
// the cheapest for the traced program (see bpf/file_opens.bpf.c); the syscalls tracepoints after.
[BpfHook(1, "tp_btf:sys_exit", "opens_exit_btf")]
[BpfHook(2, "raw_tp:sys_exit", "opens_exit_raw")]
[BpfHook(3, "tracepoint:syscalls:sys_{enter,exit}_{open,openat,openat2}", "open_enter", "openat_enter", "openat2_enter", "open_exit", "openat_exit", "openat2_exit")]
// Architectures without the legacy open(2) (arm64) have only openat and openat2.
[BpfHook(4, "tracepoint:syscalls:sys_{enter,exit}_{openat,openat2}", "openat_enter", "openat2_enter", "openat_exit", "openat2_exit")]
public sealed class TraceBpfFileOpenCommand : BpfEventTraceCmdlet<BpfFileOpenEvent, TraceBpfFileOpenCommand.OpenEvent>
{
    private static readonly string[] SyscallNames = ["open", "openat", "openat2"];
    private WildcardPattern? pathPattern;

    /// <summary>Only calls that failed (filtered in the kernel).</summary>
    [Parameter]
    public SwitchParameter FailedOnly { get; set; }

    /// <summary>Only paths matching this wildcard pattern (/etc/*).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? PathLike { get; set; }

    /// <summary>Count the opens by these properties instead of returning each one.</summary>
    [Parameter]
    [ValidateSet("ProcessName", "ProcessId", "ThreadName", "ParentProcessName", "UserId", "CgroupPath", "ContainerId", "Syscall", "Path", "Errno", "Flags")]
    public override string[]? GroupBy { get; set; }

    private protected override ReadOnlySpan<byte> Configuration(ProcessFilterRecord filter)
    {
        pathPattern = PathLike is null ? null : new WildcardPattern(PathLike, WildcardOptions.None);
        return Bytes(new OpenConfig { process = filter, failed_only = FailedOnly ? 1u : 0u }).ToArray();
    }

    private protected override unsafe BpfFileOpenEvent? Decode(OpenEvent r, EventContextDecoder context)
    {
        var path = context.Strings.Get(new ReadOnlySpan<byte>(r.path, OpenEvent.PathLength));
        if (pathPattern is not null && !pathPattern.IsMatch(path))
        {
            return null;
        }
        return new BpfFileOpenEvent
        {
            Syscall = r.syscall < SyscallNames.Length ? SyscallNames[r.syscall] : $"syscall_{r.syscall}",
            Path = path,
            Flags = Kernel.Tracing.OpenFlags.Describe(r.flags),
            FlagsValue = r.flags,
            Result = r.result,
            Errno = r.result < 0 ? ErrnoNames.Name((int)-r.result) : null,
        };
    }

    /// <summary>struct open_event of bpf/file_opens.bpf.c.</summary>
    [BtfStruct("open_event")]
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct OpenEvent
    {
        internal const int PathLength = 256;
        internal EventContextRecord ctx;
        internal long result;
        internal ulong flags;
        internal uint syscall;
        internal uint pad;
        internal fixed byte path[PathLength];
    }

    /// <summary>struct open_config of bpf/file_opens.bpf.c.</summary>
    [BtfStruct("open_config")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct OpenConfig
    {
        internal ProcessFilterRecord process;
        internal uint failed_only;
    }
}

/// <summary>One open/openat/openat2 call and its result.</summary>
public sealed class BpfFileOpenEvent : BpfTraceEvent
{
    /// <summary>open, openat or openat2.</summary>
    public string Syscall { get; internal init; } = "";
    public string Path { get; internal init; } = "";
    /// <summary>Open flags by name: "O_RDONLY|O_CLOEXEC".</summary>
    public string Flags { get; internal init; } = "";
    public ulong FlagsValue { get; internal init; }
    /// <summary>The file descriptor, or the negative errno when the call failed.</summary>
    public long Result { get; internal init; }
    /// <summary>"ENOENT" when the call failed, else null.</summary>
    public string? Errno { get; internal init; }
}
