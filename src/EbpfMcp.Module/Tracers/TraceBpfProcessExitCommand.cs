using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Tracers;

/// <summary>Trace-BpfProcessExit: processes as they end, with exit code or signal, lifetime, and whether the OOM killer ended them.</summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfProcessExit")]
[OutputType(typeof(BpfProcessExitEvent), typeof(BpfEventGroup))]
[BpfTracer("process_exits")]
[BpfHook(1, "tp_btf:{sched_process_exit,mark_victim}", "pexit_exit_btf", "pexit_oom_btf")]
[BpfHook(2, "tracepoint:{sched:sched_process_exit,oom:mark_victim}", "pexit_exit_tp", "pexit_oom_tp")]
public sealed class TraceBpfProcessExitCommand : BpfEventTraceCmdlet<BpfProcessExitEvent, TraceBpfProcessExitCommand.ExitEvent>
{
    /// <summary>Only processes that failed: a non-zero exit code, a fatal signal, or the OOM killer (filtered in the kernel).</summary>
    [Parameter]
    public SwitchParameter FailedOnly { get; set; }

    /// <summary>Count the exits by these properties instead of returning each one.</summary>
    [Parameter]
    [ValidateSet("ProcessName", "ProcessId", "ParentProcessName", "ParentProcessId", "UserId", "CgroupPath", "ContainerId", "Reason", "ExitCode", "Signal")]
    public override string[]? GroupBy { get; set; }

    private protected override ReadOnlySpan<byte> Configuration(ProcessFilterRecord filter) =>
        Bytes(new ExitConfig { process = filter, failed_only = FailedOnly ? 1u : 0u }).ToArray();

    private protected override BpfProcessExitEvent? Decode(ExitEvent r, EventContextDecoder context)
    {
        // The wait status: exit code in bits 8-15, else the fatal signal in bits 0-6 and 0x80 for a core dump.
        int signal = r.exit_code & 0x7f;
        return new BpfProcessExitEvent
        {
            Reason = r.oom_killed != 0 ? "OomKilled" : signal != 0 ? "Signal" : "Exit",
            ExitCode = signal == 0 ? (r.exit_code >> 8) & 0xff : null,
            Signal = signal != 0 ? SignalNames.Name(signal) : null,
            SignalNumber = signal != 0 ? signal : null,
            CoreDumped = (r.exit_code & 0x80) != 0,
            Lifetime = TimeSpan.FromTicks((long)(r.lifetime_ns / 100)),
        };
    }

    /// <summary>struct exit_event of bpf/process_exits.bpf.c.</summary>
    [BtfStruct("exit_event")]
    [StructLayout(LayoutKind.Sequential)]
    public struct ExitEvent
    {
        internal EventContextRecord ctx;
        internal ulong lifetime_ns;
        internal int exit_code;
        internal uint oom_killed;
    }

    /// <summary>struct exit_config of bpf/process_exits.bpf.c.</summary>
    [BtfStruct("exit_config")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct ExitConfig
    {
        internal ProcessFilterRecord process;
        internal uint failed_only;
    }
}

/// <summary>
/// A process that ended (its last thread exited), and why: Exit (it called exit; ExitCode says
/// with what), Signal (a signal killed it; Signal says which), or OomKilled (the kernel's OOM killer
/// chose it, then killed it with SIGKILL). The event context is the process itself.
/// </summary>
public sealed class BpfProcessExitEvent : BpfTraceEvent
{
    /// <summary>Exit, Signal or OomKilled.</summary>
    public string Reason { get; internal init; } = "";
    /// <summary>The exit code (0-255) when the process exited by itself; null when a signal ended it.</summary>
    public int? ExitCode { get; internal init; }
    /// <summary>The signal that ended it ("SIGKILL", "SIGSEGV"); null when it exited by itself.</summary>
    public string? Signal { get; internal init; }
    public int? SignalNumber { get; internal init; }
    /// <summary>True when the signal made it dump core.</summary>
    public bool CoreDumped { get; internal init; }
    /// <summary>How long the process lived (from its start to its end).</summary>
    public TimeSpan Lifetime { get; internal init; }
}
