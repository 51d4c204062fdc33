using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Host;
using EbpfMcp.Kernel.Loading;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Features;

/// <summary>
/// Finds which attach kinds work here by a real tiny load + attach + detach of each program of
/// bpf/feature_probes.bpf.o. Networking kinds attach to a veth pair in a private network namespace
/// that only the probing thread enters (namespace and pair vanish with the thread); cgroup kinds
/// attach to a temporary cgroup that is removed again. Nothing stays loaded or created.
/// </summary>
internal static unsafe class AttachKindProbe
{
    private const string ProbeDevice = "ebpfprobe0";

    public static readonly string[] Kinds =
        ["tracepoint", "raw_tp", "tp_btf", "fentry", "fexit", "kprobe", "kretprobe", "uprobe", "perf_event", "lsm", "cgroup_skb", "cgroup_sock", "xdp", "tc", "iter"];

    public static List<BpfFeature> ProbeAll()
    {
        // Independent probes: run them side by side (each thread captures its own libbpf log).
        var results = Kinds.AsParallel().AsOrdered().WithDegreeOfParallelism(Math.Max(2, Environment.ProcessorCount)).Select(Probe).ToList();
        results.Add(MapKind("ringbuf", 27, "BPF ring buffer (BPF_MAP_TYPE_RINGBUF): the event tracers stream through it"));
        results.Add(MapKind("perf_buffer", 4, "perf event array (BPF_MAP_TYPE_PERF_EVENT_ARRAY)"));
        return results;
    }

    private static BpfFeature MapKind(string name, int mapType, string what)
    {
        int rc = LibBpfProbeApi.ProbeMapType(mapType, IntPtr.Zero);
        return Feature(name, rc == 1, rc == 1 ? $"{what} can be created" : $"{what} cannot be created here ({(rc < 0 ? ErrnoNames.Name(-rc) : "refused")})");
    }

    private static BpfFeature Feature(string name, bool supported, string reason) =>
        new() { Category = "AttachKind", Name = name, Supported = supported, Reason = reason };

    public static BpfFeature Probe(string kind)
    {
        if (kind is "xdp" or "tc")
        {
            // Network namespaces are per thread: a fresh thread enters a private one and dies with it.
            BpfFeature? result = null;
            var thread = new Thread(() =>
            {
                if (LibCNamespaces.Unshare(LibCNamespaces.CloneNewNet) != 0)
                {
                    result = Feature(kind, false, $"could not make a private network namespace to probe in: {ErrnoNames.Name(Marshal.GetLastPInvokeError())}");
                    return;
                }
                int errno = RtNetlink.CreateVethPair(ProbeDevice, ProbeDevice + "p");
                result = errno == 0
                    ? ProbeInCurrentThread(kind)
                    : Feature(kind, false, $"could not create a veth pair in a private network namespace: {ErrnoNames.Name(errno)}");
            });
            thread.Start();
            thread.Join();
            return result!;
        }
        return ProbeInCurrentThread(kind);
    }

    private static BpfFeature ProbeInCurrentThread(string kind)
    {
        var path = TracerObject.ObjectPath("feature_probes");
        using var log = LibBpfLog.Capture();
        BpfObjectHandle bpfObject;
        try
        {
            bpfObject = BpfObjectLoader.Open(path, log);
        }
        catch (BpfException e)
        {
            return Feature(kind, false, $"the probe object could not be opened: {e.Message}");
        }
        var programs = bpfObject.Programs().ToList();
        try
        {
            var program = programs.Single(p => p.Name == "probe_" + kind);
            foreach (var p in programs)
            {
                p.Autoload = p == program;
            }
            try
            {
                BpfObjectLoader.Load(bpfObject, programs, log);
            }
            catch (BpfException e)
            {
                return Feature(kind, false, Explain(kind, "load", e.Errno, e.Message));
            }
            try
            {
                var target = Attach(kind, program);
                return Feature(kind, true, $"loaded and attached ({target}), then detached");
            }
            catch (BpfException e)
            {
                return Feature(kind, false, Explain(kind, "attach", e.Errno, e.Message));
            }
        }
        finally
        {
            programs.ForEach(p => p.Dispose());
            bpfObject.Dispose();
        }
    }

    /// <summary>Attaches, then detaches at once; returns what it was attached to.</summary>
    private static string Attach(string kind, BpfProgramHandle program)
    {
        switch (kind)
        {
            case "uprobe":
            {
                // The entry point of this process's own executable: it never runs again, so the
                // probe fires nothing, and finding it reads only the ELF headers (a symbol lookup
                // in libc would parse its whole symbol table).
                var exe = File.ResolveLinkTarget("/proc/self/exe", true)?.FullName ?? "/proc/self/exe";
                var options = new LibBpfAttachApi.UprobeOptions { Size = (nuint)sizeof(LibBpfAttachApi.UprobeOptions) };
                Detach(LibBpfAttachApi.AttachUprobe(program.Pointer, Environment.ProcessId, exe, (nuint)EntryFileOffset(exe), &options), "uprobe attach");
                return $"entry point of {exe} in this process";
            }
            case "perf_event":
            {
                int fd = PerfEventOpen.SoftwareCpuClock(0, 1);
                var link = LibBpfObjectApi.AttachPerfEvent(program.Pointer, fd);
                if (link == IntPtr.Zero)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    LibC.Close(fd);
                    throw BpfException.FromErrno("perf_event attach", errno);
                }
                new BpfLinkHandle(link).Dispose(); // closes the perf event fd too
                return "software cpu-clock on CPU 0";
            }
            case "cgroup_skb":
            case "cgroup_sock":
                return WithTemporaryCgroup(fd => Detach(LibBpfObjectApi.AttachCgroup(program.Pointer, fd), "cgroup attach"));
            case "xdp":
                Detach(LibBpfObjectApi.AttachXdp(program.Pointer, (int)LibC.InterfaceIndex(ProbeDevice)), "xdp attach");
                return "a veth device in a private network namespace";
            case "tc":
            {
                var hook = new LibBpfAttachApi.TcHook { Size = (nuint)sizeof(LibBpfAttachApi.TcHook), IfIndex = (int)LibC.InterfaceIndex(ProbeDevice), AttachPoint = 1 };
                int rc = LibBpfAttachApi.TcHookCreate(&hook);
                if (rc != 0 && rc != -17 /* EEXIST */)
                {
                    throw BpfException.FromErrno("tc hook create", -rc);
                }
                try
                {
                    var options = new LibBpfAttachApi.TcOptions { Size = (nuint)sizeof(LibBpfAttachApi.TcOptions), ProgramFd = program.Fd };
                    rc = LibBpfAttachApi.TcAttach(&hook, &options);
                    if (rc != 0)
                    {
                        throw BpfException.FromErrno("tc attach", -rc);
                    }
                    options.ProgramFd = 0;
                    options.ProgramId = 0;
                    options.Flags = 0;
                    LibBpfAttachApi.TcDetach(&hook, &options);
                }
                finally
                {
                    LibBpfAttachApi.TcHookDestroy(&hook);
                }
                return "clsact ingress of a veth device in a private network namespace";
            }
            default:
                Detach(LibBpfObjectApi.Attach(program.Pointer), $"{kind} attach");
                return program.Section;
        }
    }

    private static void Detach(IntPtr link, string what)
    {
        if (link == IntPtr.Zero)
        {
            throw BpfException.FromErrno(what, Marshal.GetLastPInvokeError());
        }
        new BpfLinkHandle(link).Dispose();
    }

    private static string WithTemporaryCgroup(Action<int> attach)
    {
        var root = MountTable.MountPoints("cgroup2").FirstOrDefault()
            ?? throw new BpfException("NoCgroupV2", "no cgroup v2 hierarchy is mounted", 19);
        var dir = Path.Combine(root, $"ebpf-mcp-probe-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (UnauthorizedAccessException)
        {
            // cgroupfs directories are 0555: root without CAP_DAC_OVERRIDE (a hardened service) may not create one.
            throw BpfException.FromErrno($"mkdir {dir}", 13);
        }
        try
        {
            int fd = LibC.Open(dir, LibC.ORdOnly | LibC.ODirectory | LibC.OCloExec);
            if (fd < 0)
            {
                throw BpfException.FromErrno($"open {dir}", Marshal.GetLastPInvokeError());
            }
            using var handle = new BpfFdHandle(fd);
            attach(fd);
            return "a temporary cgroup, removed again";
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    /// <summary>File offset of an ELF64 executable's entry point (through the PT_LOAD that maps it).</summary>
    private static long EntryFileOffset(string path)
    {
        using var file = File.OpenRead(path);
        var header = new byte[64];
        file.ReadExactly(header);
        ulong entry = BitConverter.ToUInt64(header, 24);
        ulong phoff = BitConverter.ToUInt64(header, 32);
        int phentsize = BitConverter.ToUInt16(header, 54), phnum = BitConverter.ToUInt16(header, 56);
        var table = new byte[phentsize * phnum];
        file.Position = (long)phoff;
        file.ReadExactly(table);
        for (int i = 0; i < phnum; i++)
        {
            var ph = table.AsSpan(i * phentsize);
            uint type = BitConverter.ToUInt32(ph);
            ulong offset = BitConverter.ToUInt64(ph[8..]), vaddr = BitConverter.ToUInt64(ph[16..]), filesz = BitConverter.ToUInt64(ph[32..]);
            if (type == 1 /* PT_LOAD */ && entry >= vaddr && entry < vaddr + filesz)
            {
                return (long)(entry - vaddr + offset);
            }
        }
        throw new BpfException("UprobeTargetNotFound", $"no loadable segment of {path} holds its entry point");
    }

    /// <summary>Why a kind failed, in the terms an operator acts on.</summary>
    private static string Explain(string kind, string stage, int errno, string message)
    {
        var lockdown = KernelInfoReader.Lockdown();
        if (kind is "kprobe" or "kretprobe" && !Directory.Exists("/sys/bus/event_source/devices/kprobe")
            && !File.Exists("/sys/kernel/tracing/kprobe_events") && !File.Exists("/sys/kernel/debug/tracing/kprobe_events"))
        {
            return "kprobes not built in: no kprobe PMU and no kprobe_events";
        }
        if (kind == "lsm" && !(ReadOrEmpty("/sys/kernel/security/lsm").Split(',').Contains("bpf")))
        {
            return $"BPF LSM not enabled: the active LSMs are '{ReadOrEmpty("/sys/kernel/security/lsm").Trim()}' (needs CONFIG_BPF_LSM and lsm=...,bpf)";
        }
        if (errno is 1 && lockdown is not ("none" or "unknown"))
        {
            return $"{kind} {stage} refused: EPERM (lockdown={lockdown})";
        }
        return errno != 0 ? $"{kind} {stage} failed: {ErrnoNames.Name(errno)} ({ErrnoNames.Describe(errno)})" : $"{kind} {stage} failed: {message}";
    }

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }
}
