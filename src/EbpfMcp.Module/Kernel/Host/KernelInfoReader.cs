using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Features;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Host;

/// <summary>Reads kernel and process facts relevant to eBPF from procfs, sysfs and securityfs.</summary>
internal static class KernelInfoReader
{
    // Capability numbers from linux/capability.h.
    private static readonly string[] CapabilityNames =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
        "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>
    /// What cannot change while the kernel runs (its release and build, BTF, the architecture, the
    /// libbpf this process loaded) is read once; everything else on every call.
    /// </summary>
    private static readonly Lazy<(string Release, string Version, string Architecture, bool Btf, string Libbpf)> Fixed = new(() => (
        SmallFiles.ReadTrimmed("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString(),
        SmallFiles.ReadTrimmed("/proc/sys/kernel/version") ?? "",
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch
        {
            "x64" => "x86_64",
            "arm64" => "aarch64",
            var other => other,
        },
        File.Exists("/sys/kernel/btf/vmlinux"),
        LibBpfLibrary.Version()));

    public static BpfKernelInfo Read()
    {
        var caps = EffectiveCapabilities();
        // Attach kinds are probed by trying, which needs the privileges to load programs.
        var kinds = CanLoadPrograms(caps) ? FeatureProbe.Get("AttachKind", out _) : [];
        var unsupported = kinds.Where(k => !k.Supported).Select(k => k.Name).ToArray();
        var mounted = MountTable.FileSystemTypes();
        var (release, version, architecture, btf, libbpf) = Fixed.Value;
        return new BpfKernelInfo
        {
            KernelRelease = release,
            KernelVersion = version,
            Architecture = architecture,
            BtfAvailable = btf,
            CgroupV2 = mounted.Contains("cgroup2"),
            BpffsMounted = mounted.Contains("bpf"),
            TracefsMounted = mounted.Contains("tracefs") || Directory.Exists("/sys/kernel/tracing/events"),
            Lockdown = ReadLockdown(),
            UnprivilegedBpfDisabled = int.TryParse(SmallFiles.ReadTrimmed("/proc/sys/kernel/unprivileged_bpf_disabled"), out var u) ? u : -1,
            JitEnabled = SmallFiles.ReadTrimmed("/proc/sys/net/core/bpf_jit_enable") is string jit && jit != "0",
            Capabilities = caps,
            CanLoadPrograms = CanLoadPrograms(caps),
            SupportedAttachKinds = kinds.Count - unsupported.Length,
            UnsupportedAttachKinds = unsupported.Length,
            AttachKindSummary = kinds.Count == 0
                ? "not probed: loading programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)"
                : $"{kinds.Count - unsupported.Length} of {kinds.Count} attach kinds supported" + (unsupported.Length > 0 ? $"; not: {string.Join(", ", unsupported)}" : ""),
            LibbpfVersion = libbpf,
        };
    }

    /// <summary>Whether these (default: the calling thread's) capabilities allow loading tracing programs.</summary>
    public static bool CanLoadPrograms(string[]? caps = null)
    {
        caps ??= EffectiveCapabilities();
        return caps.Contains("CAP_SYS_ADMIN") || (caps.Contains("CAP_BPF") && caps.Contains("CAP_PERFMON"));
    }

    /// <summary>Effective capabilities of the calling thread (capabilities are per thread on Linux).</summary>
    public static string[] EffectiveCapabilities()
    {
        if (LibCCapabilities.EffectiveOfCallingThread() is not { } mask && !StatusCapabilities(out mask))
        {
            return [];
        }
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                names.Add(bit < CapabilityNames.Length ? CapabilityNames[bit] : $"CAP_{bit}");
            }
        }
        return [.. names];
    }

    /// <summary>The CapEff line of the thread's status, where capget(2) is refused (a seccomp filter).</summary>
    private static bool StatusCapabilities(out ulong mask)
    {
        mask = 0;
        string status;
        try
        {
            status = File.ReadAllText("/proc/thread-self/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        var line = status.Split('\n').FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        return line is not null && ulong.TryParse(line[7..].Trim(), System.Globalization.NumberStyles.HexNumber, null, out mask);
    }

    public static string Lockdown() => ReadLockdown();

    private static string ReadLockdown()
    {
        // "none [integrity] confidentiality": the bracketed word is the active mode.
        var text = SecurityFs.ReadText("lockdown")?.Trim();
        if (text is null)
        {
            return "unknown";
        }
        int open = text.IndexOf('['), close = text.IndexOf(']');
        return open >= 0 && close > open ? text[(open + 1)..close] : text;
    }
}
