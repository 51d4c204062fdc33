using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Tracers;

/// <summary>Trace-BpfSignal: signals as they are sent (signal:signal_generate), with the sender and the target.</summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfSignal")]
[OutputType(typeof(BpfSignalEvent), typeof(BpfEventGroup))]
[BpfTracer("signals")]
[BpfHook(1, "tp_btf:signal_generate", "signal_btf")]
[BpfHook(2, "raw_tp:signal_generate", "signal_raw")]
public sealed class TraceBpfSignalCommand : BpfEventTraceCmdlet<BpfSignalEvent, TraceBpfSignalCommand.SignalEvent>
{
    private static readonly string[] Results = ["Delivered", "Ignored", "AlreadyPending", "QueueFull", "InfoLost"];

    /// <summary>Only these signals (names such as SIGKILL or KILL, or numbers), filtered in the kernel.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Signal { get; set; }

    /// <summary>Count the signals by these properties instead of returning each one.</summary>
    [Parameter]
    [ValidateSet("ProcessName", "ProcessId", "UserId", "CgroupPath", "ContainerId", "Signal", "Code", "Result", "TargetProcessName", "TargetProcessId", "TargetUserId")]
    public override string[]? GroupBy { get; set; }

    private protected override ReadOnlySpan<byte> Configuration(ProcessFilterRecord filter)
    {
        ulong mask = 0;
        foreach (var name in Signal ?? [])
        {
            if (!SignalNames.TryParse(name, out int signal))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException($"'{name}' is not a signal: give a name (SIGKILL, TERM) or a number from 1 to {SignalNames.Max}."), "UnknownSignal", ErrorCategory.InvalidArgument, name));
            }
            mask |= 1UL << (signal - 1);
        }
        return Bytes(new SignalConfig { process = filter, signals = mask }).ToArray();
    }

    private protected override unsafe BpfSignalEvent? Decode(SignalEvent r, EventContextDecoder context) => new()
    {
        Signal = SignalNames.Name(r.signal),
        SignalNumber = r.signal,
        Code = SignalNames.Code(r.signal, r.code),
        Result = r.result >= 0 && r.result < Results.Length ? Results[r.result] : $"Result{r.result}",
        ToProcess = r.group != 0,
        TargetProcessId = (int)r.target_pid,
        TargetThreadId = (int)r.target_tid,
        TargetProcessName = context.Names.Get(new ReadOnlySpan<byte>(r.target_comm, 16)),
        TargetUserId = r.target_uid,
    };

    /// <summary>struct signal_event of bpf/signals.bpf.c.</summary>
    [BtfStruct("signal_event")]
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct SignalEvent
    {
        internal EventContextRecord ctx;
        internal int signal;
        internal int code;
        internal int result;
        internal uint group;
        internal uint target_pid;
        internal uint target_tid;
        internal uint target_uid;
        internal uint pad;
        internal fixed byte target_comm[16];
    }

    /// <summary>struct signal_config of bpf/signals.bpf.c.</summary>
    [BtfStruct("signal_config")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct SignalConfig
    {
        internal ProcessFilterRecord process;
        internal ulong signals;
    }
}

/// <summary>
/// A signal being sent. The event context is the sender: the process that called kill(), or, for
/// signals the kernel raises (a fault's SIGSEGV, a child's SIGCHLD, a broken pipe's SIGPIPE), the
/// task that was running then. The target is the process the signal is for.
/// </summary>
public sealed class BpfSignalEvent : BpfTraceEvent
{
    /// <summary>The signal's name, as kill -l prints it: "SIGKILL", "SIGUSR1", "SIGRTMIN+3".</summary>
    public string Signal { get; internal init; } = "";
    public int SignalNumber { get; internal init; }
    /// <summary>How it was sent (si_code): SI_USER (kill), SI_TKILL (tgkill), SI_QUEUE (sigqueue), SI_KERNEL, SI_TIMER, or the signal's own reason (CLD_EXITED, SEGV_MAPERR).</summary>
    public string Code { get; internal init; } = "";
    /// <summary>What became of it: Delivered (queued for the target), Ignored, AlreadyPending, QueueFull, InfoLost.</summary>
    public string Result { get; internal init; } = "";
    /// <summary>True when it was sent to the whole process, false when to one thread.</summary>
    public bool ToProcess { get; internal init; }
    public int TargetProcessId { get; internal init; }
    public int TargetThreadId { get; internal init; }
    /// <summary>The target process's name (its main thread's comm).</summary>
    public string TargetProcessName { get; internal init; } = "";
    /// <summary>The target's real user id.</summary>
    public uint TargetUserId { get; internal init; }
}
