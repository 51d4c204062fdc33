using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Histograms;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Tracers;

/// <summary>
/// Measure-BpfSyscallLatency: how long system calls took, per system call: count, failures, total
/// time, percentiles and a log2 histogram in nanoseconds; most total time first.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "BpfSyscallLatency")]
[OutputType(typeof(BpfSyscallLatency))]
[BpfTracer("syscall_latency")]
[BpfHook(1, "tp_btf:sys_{enter,exit}", "syslat_enter_btf", "syslat_exit_btf")]
[BpfHook(2, "raw_tp:sys_{enter,exit}", "syslat_enter_raw", "syslat_exit_raw")]
[BpfHook(3, "tracepoint:raw_syscalls:sys_{enter,exit}", "syslat_enter_tp", "syslat_exit_tp")]
public sealed class MeasureBpfSyscallLatencyCommand : BpfTraceCmdlet
{
    private const int MaxSyscalls = 512;

    /// <summary>Only this system call (name such as read, or number).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Syscall { get; set; }

    private protected override TraceRun Start()
    {
        var config = new SyscallLatencyConfig { process = Filter(), syscall = ParseSyscall() };
        var (kernel, hook) = StartKernel(Bytes(config));
        return HistogramMap.Run(MyInvocation.MyCommand.Name, hook, kernel, Read, "system calls",
            "Narrow the trace with -ProcessId, -ProcessName or -Syscall.");
    }

    private int ParseSyscall()
    {
        if (Syscall is null)
        {
            return -1;
        }
        if (SyscallNames.Parse(Syscall) is int number && number < MaxSyscalls)
        {
            return number;
        }
        ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{Syscall}' is not a system call this tracer knows: give a name (read, openat) or a number below {MaxSyscalls}."), "UnknownSyscall", ErrorCategory.InvalidArgument, Syscall));
        return -1;
    }

    private static List<object> Read(TracerObject kernel) =>
        [.. HistogramMap.Read(kernel, "latency")
            .Select(e =>
            {
                int number = (int)e.KeyUInt32;
                var name = SyscallNames.Name(number);
                var histogram = e.Histogram.ToModel("syscall latency", HistogramUnit.Nanosecond, name);
                return new BpfSyscallLatency
                {
                    Syscall = name,
                    SyscallNumber = number,
                    Count = histogram.Count,
                    Errors = e.Sum((int)Marshal.OffsetOf<SyscallLatencyRecord>(nameof(SyscallLatencyRecord.errors))),
                    TotalTime = histogram.Total,
                    P50 = histogram.P50,
                    P99 = histogram.P99,
                    Max = histogram.Max,
                    Histogram = histogram,
                };
            })
            .OrderByDescending(s => s.TotalTime).ThenBy(s => s.Syscall, StringComparer.Ordinal)];

    /// <summary>struct syscall_latency_config of bpf/syscall_latency.bpf.c.</summary>
    [BtfStruct("syscall_latency_config")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct SyscallLatencyConfig
    {
        internal ProcessFilterRecord process;
        internal int syscall;
    }

    /// <summary>struct syscall_latency of bpf/syscall_latency.bpf.c: the histogram, then the failures.</summary>
    [BtfStruct("syscall_latency")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct SyscallLatencyRecord
    {
        internal HistogramRecord hist;
        internal ulong errors;
    }
}

/// <summary>How long one system call took during a trace: how often it ran and failed, the time it took in all, and its distribution.</summary>
public sealed class BpfSyscallLatency
{
    /// <summary>System call name ("read").</summary>
    public string Syscall { get; internal init; } = "";
    public int SyscallNumber { get; internal init; }
    /// <summary>Calls that returned during the trace.</summary>
    public ulong Count { get; internal init; }
    /// <summary>Calls that failed (returned an errno).</summary>
    public ulong Errors { get; internal init; }
    /// <summary>The time all the calls took together.</summary>
    public TimeSpan TotalTime { get; internal init; }
    public TimeSpan P50 { get; internal init; }
    public TimeSpan P99 { get; internal init; }
    public TimeSpan Max { get; internal init; }
    /// <summary>The distribution (nanoseconds, log2 buckets); its ToString() draws the bars.</summary>
    public BpfHistogram Histogram { get; internal init; } = new();

    public override string ToString() => Histogram.ToString();
}
