using System.Buffers.Binary;
using System.Management.Automation;
using System.Text;
using EbpfMcp.Commands.Completion;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Kernel.Maps;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Trace-BpfSyscallError: counts failing system calls in the kernel for -Duration seconds and
/// returns one object per (process, syscall, errno), most frequent first.
/// </summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfSyscallError")]
[OutputType(typeof(BpfSyscallError))]
public sealed class TraceBpfSyscallErrorCommand : BpfTraceCmdlet
{
    private static readonly TracerCatalog.Tracer Tracer = TracerCatalog.SyscallErrors;

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

    /// <summary>Return only the N most frequent rows (same as -First).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; } = int.MaxValue;

    protected override void ProcessRecord()
    {
        int syscall = ParseSyscall();
        int errno = ParseErrno();
        var config = new byte[ProcessFilterSize + 8];
        ProcessFilterBytes().CopyTo(config, 0);
        BinaryPrimitives.WriteInt32LittleEndian(config.AsSpan(ProcessFilterSize), syscall);
        BinaryPrimitives.WriteInt32LittleEndian(config.AsSpan(ProcessFilterSize + 4), errno);

        TracerObject tracer;
        string hook;
        try
        {
            (tracer, hook) = HookChoice.Start(Tracer.ObjectName, Tracer.Hooks, config, new Dictionary<string, uint> { ["syscall_errors"] = (uint)TableSize });
        }
        catch (BpfException e)
        {
            TerminateOn(e);
            return;
        }
        List<BpfSyscallError> rows;
        ulong uncounted;
        using (tracer)
        {
            WriteVerbose($"Counting failing syscalls on {hook} for {Duration} s.");
            RunFor("Trace-BpfSyscallError", SleepStep);
            rows = Read(tracer, hook);
            uncounted = tracer.PerCpuCounter("uncounted");
        } // detached and unloaded here, whatever happened above
        if (uncounted > 0)
        {
            WriteWarning($"{uncounted} failing syscall(s) were not counted: the kernel table of {TableSize} (process, syscall, errno) rows was full. Narrow the trace (-ProcessId, -ProcessName, -Syscall) or raise -TableSize.");
        }
        foreach (var row in rows.OrderByDescending(r => r.Count).ThenBy(r => r.ProcessName, StringComparer.Ordinal).ThenBy(r => r.Syscall, StringComparer.Ordinal).Take(Math.Min(First, Top)))
        {
            WriteObject(row);
        }
    }

    private static List<BpfSyscallError> Read(TracerObject tracer, string hook)
    {
        var names = ProcessNames(tracer);
        using var fd = tracer.OpenMap("syscall_errors");
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        MapEntries.ValueBufferSize(info, out int stride, out int cpus);
        var now = DateTimeOffset.Now;
        var rows = new List<BpfSyscallError>();
        // struct syscall_error_key: tgid@0 syscall@4 error@8; value: one u64 count per CPU.
        foreach (var (key, value) in MapEntries.Read(fd, info, "syscall_errors"))
        {
            ulong count = 0;
            for (int cpu = 0; cpu < cpus; cpu++)
            {
                count += BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(cpu * stride));
            }
            uint tgid = BinaryPrimitives.ReadUInt32LittleEndian(key);
            int number = BinaryPrimitives.ReadInt32LittleEndian(key.AsSpan(4));
            int error = BinaryPrimitives.ReadInt32LittleEndian(key.AsSpan(8));
            rows.Add(new BpfSyscallError
            {
                ProcessId = (int)tgid,
                ProcessName = names.GetValueOrDefault(tgid, ""),
                SyscallNumber = number,
                Syscall = SyscallNames.Name(number),
                ErrnoNumber = error,
                Errno = ErrnoNames.Name(error),
                Count = count,
                Timestamp = now,
                Hook = hook,
            });
        }
        return rows;
    }

    /// <summary>tgid → comm, recorded by the program when a process's first failure was counted.</summary>
    private static Dictionary<uint, string> ProcessNames(TracerObject tracer)
    {
        using var fd = tracer.OpenMap("process_names");
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        var names = new Dictionary<uint, string>();
        foreach (var (key, value) in MapEntries.Read(fd, info, "process_names"))
        {
            int end = Array.IndexOf(value, (byte)0);
            names[BinaryPrimitives.ReadUInt32LittleEndian(key)] = Encoding.UTF8.GetString(value, 0, end < 0 ? value.Length : end);
        }
        return names;
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
        return SyscallNames.Number(Syscall.ToLowerInvariant()) ?? Refuse<int>("UnknownSyscall", $"'{Syscall}' is not a system call name this module knows; give its number instead.", Syscall);
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
        return ErrnoNames.TryParse(Errno, out var e) ? e : Refuse<int>("UnknownErrno", $"'{Errno}' is not an errno name (ENOENT, EACCES, ...) or number.", Errno);
    }

    private T Refuse<T>(string id, string message, object target)
    {
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), id, ErrorCategory.InvalidArgument, target));
        return default!;
    }
}
