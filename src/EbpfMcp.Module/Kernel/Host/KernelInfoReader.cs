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

    public static BpfKernelInfo Read()
    {
        var caps = EffectiveCapabilities();
        // Attach kinds are probed by trying, which needs the privileges to load programs.
        var kinds = CanLoadPrograms(caps) ? FeatureProbe.Get("AttachKind", out _) : [];
        var unsupported = kinds.Where(k => !k.Supported).Select(k => k.Name).ToArray();
        return new BpfKernelInfo
        {
            KernelRelease = ReadTrimmed("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString(),
            KernelVersion = ReadTrimmed("/proc/sys/kernel/version") ?? "",
            Architecture = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() switch
            {
                "x64" => "x86_64",
                "arm64" => "aarch64",
                var other => other,
            },
            BtfAvailable = File.Exists("/sys/kernel/btf/vmlinux"),
            CgroupV2 = MountTable.IsMounted("cgroup2"),
            BpffsMounted = MountTable.IsMounted("bpf"),
            TracefsMounted = MountTable.IsMounted("tracefs") || Directory.Exists("/sys/kernel/tracing/events"),
            Lockdown = ReadLockdown(),
            UnprivilegedBpfDisabled = int.TryParse(ReadTrimmed("/proc/sys/kernel/unprivileged_bpf_disabled"), out var u) ? u : -1,
            JitEnabled = ReadTrimmed("/proc/sys/net/core/bpf_jit_enable") is string jit && jit != "0",
            Capabilities = caps,
            CanLoadPrograms = CanLoadPrograms(caps),
            SupportedAttachKinds = kinds.Count - unsupported.Length,
            UnsupportedAttachKinds = unsupported.Length,
            AttachKindSummary = kinds.Count == 0
                ? "not probed: loading programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)"
                : $"{kinds.Count - unsupported.Length} of {kinds.Count} attach kinds supported" + (unsupported.Length > 0 ? $"; not: {string.Join(", ", unsupported)}" : ""),
            LibbpfVersion = LibBpfLibrary.Version(),
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
        var status = ReadTrimmed("/proc/thread-self/status") ?? ReadTrimmed("/proc/self/status") ?? "";
        var line = status.Split('\n').FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        if (line is null || !ulong.TryParse(line[7..].Trim(), System.Globalization.NumberStyles.HexNumber, null, out var mask))
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

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
