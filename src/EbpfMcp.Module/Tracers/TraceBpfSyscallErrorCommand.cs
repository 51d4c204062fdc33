using System.Buffers.Binary;
using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Commands.Completion;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Kernel.Maps;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Native;

namespace EbpfMcp.Tracers;

/// <summary>
/// Trace-BpfSyscallError: counts failing system calls in the kernel for -Duration seconds and
/// returns one object per (process, syscall, errno), most frequent first.
/// </summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfSyscallError")]
[OutputType(typeof(BpfSyscallError))]
[BpfTracer("syscall_errors")]
[BpfHook(1, "tp_btf:sys_exit", "syscall_errors_btf")]
[BpfHook(2, "raw_tp:sys_exit", "syscall_errors_raw")]
[BpfHook(3, "tracepoint:raw_syscalls:sys_exit", "syscall_errors_tp")]
public sealed class TraceBpfSyscallErrorCommand : BpfTraceCmdlet
{
    /// <summary>Only this system call (name such as openat, or number).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SyscallNameCompleter))]
    public string? Syscall { get; set; }

    /// <summary>Only this error (name such as ENOENT, or number).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ErrnoNameCompleter))]
    public string? Errno { get; set; }

    /// <summary>Distinct (process, syscall, errno) rows the kernel table holds (default 16384); failures beyond are reported as uncounted.</summary>
    [Parameter]
    [ValidateRange(16, 1 << 20)]
    public int TableSize { get; set; } = 16384;

    private protected override TraceRun Start()
    {
        var config = new SyscallErrorConfig { process = Filter(), syscall = ParseSyscall(), error = ParseErrno() };
        var (kernel, hook) = StartKernel(Bytes(config), new Dictionary<string, uint> { ["syscall_errors"] = (uint)TableSize });
        return new AggregateTraceRun(MyInvocation.MyCommand.Name, hook, kernel, k => Read(k, hook),
            k => (long)k.PerCpuCounter("uncounted"),
            uncounted => $"{uncounted} failing syscall(s) were not counted: the kernel table of {TableSize} (process, syscall, errno) rows was full. Narrow the trace (-ProcessId, -ProcessName, -Syscall) or raise -TableSize.");
    }

    private static List<object> Read(TracerObject kernel, string hook)
    {
        var context = new EventContextDecoder();
        var processes = Processes(kernel);
        using var fd = kernel.OpenMap("syscall_errors");
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        MapEntries.ValueBufferSize(info, out int stride, out int cpus);
        var now = DateTimeOffset.Now;
        var rows = new List<BpfSyscallError>();
        foreach (var (keyBytes, value) in MapEntries.Read(fd, info, "syscall_errors"))
        {
            ulong count = 0;
            for (int cpu = 0; cpu < cpus; cpu++)
            {
                count += BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(cpu * stride));
            }
            var key = MemoryMarshal.Read<SyscallErrorKey>(keyBytes);
            var row = new BpfSyscallError
            {
                SyscallNumber = key.syscall,
                Syscall = SyscallNames.Name(key.syscall),
                ErrnoNumber = key.error,
                Errno = ErrnoNames.Name(key.error),
                Count = count,
                Hook = hook,
            };
            if (processes.TryGetValue(key.tgid, out var who))
            {
                context.Apply(who, row);
            }
            else
            {
                row.Origin = EventOrigin.Unknown with { ProcessId = (int)key.tgid };
            }
            row.Timestamp = now; // when the counting ended, not when the process was first seen
            rows.Add(row);
        }
        return [.. rows.OrderByDescending(r => r.Count).ThenBy(r => r.ProcessName, StringComparer.Ordinal).ThenBy(r => r.Syscall, StringComparer.Ordinal)];
    }

    /// <summary>tgid → who the process is, recorded by the program at its first counted failure.</summary>
    private static Dictionary<uint, EventContextRecord> Processes(TracerObject kernel)
    {
        using var fd = kernel.OpenMap("processes");
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        return MapEntries.Read(fd, info, "processes").ToDictionary(e => BinaryPrimitives.ReadUInt32LittleEndian(e.Key), e => MemoryMarshal.Read<EventContextRecord>(e.Value));
    }

    private int ParseSyscall()
    {
        if (Syscall is null)
        {
            return -1;
        }
        if (int.TryParse(Syscall, out var n) && n >= 0)
        {
            return n;
        }
        return SyscallNames.Number(Syscall.ToLowerInvariant()) ?? Refuse("UnknownSyscall", $"'{Syscall}' is not a system call name this module knows; give its number instead.", Syscall);
    }

    private int ParseErrno()
    {
        if (Errno is null)
        {
            return 0;
        }
        if (int.TryParse(Errno, out var n) && n > 0)
        {
            return n;
        }
        return ErrnoNames.TryParse(Errno, out var e) ? e : Refuse("UnknownErrno", $"'{Errno}' is not an errno name (ENOENT, EACCES, ...) or number.", Errno);
    }

    private int Refuse(string id, string message, object target)
    {
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), id, ErrorCategory.InvalidArgument, target));
        return 0;
    }

    /// <summary>struct syscall_error_key of bpf/syscall_errors.bpf.c.</summary>
    [BtfStruct("syscall_error_key")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct SyscallErrorKey
    {
        internal uint tgid;
        internal int syscall;
        internal int error;
    }

    /// <summary>struct syscall_error_config of bpf/syscall_errors.bpf.c.</summary>
    [BtfStruct("syscall_error_config")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct SyscallErrorConfig
    {
        internal ProcessFilterRecord process;
        internal int syscall;
        internal int error;
    }
}

/// <summary>
/// How often one process saw one system call fail with one errno during a trace, with who the
/// process is (parent, user, cgroup, container: as at its first counted failure).
/// </summary>
public sealed class BpfSyscallError : Model.BpfTraceEvent
{
    /// <summary>System call name ("openat").</summary>
    public string Syscall { get; internal init; } = "";
    public int SyscallNumber { get; internal init; }
    /// <summary>Errno name ("ENOENT").</summary>
    public string Errno { get; internal init; } = "";
    public int ErrnoNumber { get; internal init; }
    public ulong Count { get; internal init; }
    /// <summary>The kernel hook the trace ran on: tp_btf:sys_exit, raw_tp:sys_exit or the tracepoint fallback.</summary>
    public string Hook { get; internal init; } = "";
}
