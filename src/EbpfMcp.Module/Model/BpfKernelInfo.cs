namespace EbpfMcp.Model;

/// <summary>What this kernel and this process can do with eBPF.</summary>
public sealed class BpfKernelInfo
{
    public string KernelRelease { get; internal init; } = "";
    public string KernelVersion { get; internal init; } = "";
    public string Architecture { get; internal init; } = "";
    /// <summary>/sys/kernel/btf/vmlinux exists: CO-RE programs can be relocated.</summary>
    public bool BtfAvailable { get; internal init; }
    public bool CgroupV2 { get; internal init; }
    public bool BpffsMounted { get; internal init; }
    public bool TracefsMounted { get; internal init; }
    /// <summary>none, integrity or confidentiality (read from securityfs, mounted privately if need be); "unknown" when it cannot be read.</summary>
    public string Lockdown { get; internal init; } = "";
    /// <summary>kernel.unprivileged_bpf_disabled: 0 allowed, 1 disabled for good, 2 disabled (admin may re-enable); -1 unknown.</summary>
    public int UnprivilegedBpfDisabled { get; internal init; }
    public bool JitEnabled { get; internal init; }
    /// <summary>Effective capabilities of the calling thread, by name (CAP_BPF, CAP_PERFMON, ...).</summary>
    public string[] Capabilities { get; internal init; } = [];
    public string LibbpfVersion { get; internal init; } = "";
    /// <summary>Attach kinds that work here (probed by trying, as Get-BpfFeature -Category AttachKind shows).</summary>
    public int SupportedAttachKinds { get; internal init; }
    public int UnsupportedAttachKinds { get; internal init; }
    /// <summary>"13 of 17 attach kinds supported; not: fentry, fexit, kprobe, kretprobe".</summary>
    public string AttachKindSummary { get; internal init; } = "";
    /// <summary>True when the effective capabilities allow loading tracing programs (CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON).</summary>
    public bool CanLoadPrograms { get; internal init; }
}
