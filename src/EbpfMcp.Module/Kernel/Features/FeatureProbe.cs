using System.Diagnostics;
using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Features;

/// <summary>
/// What this kernel can really do, found by trying: libbpf's probes (which load tiny programs and
/// create tiny maps) for types and helpers, real load + attach + detach for attach kinds and
/// tracers. Each category is probed once per process and cached.
/// </summary>
internal static class FeatureProbe
{
    public static readonly string[] Categories = ["ProgramType", "MapType", "AttachKind", "Helper", "Tracer"];

    private const int ProgramTypeTracepoint = 5;

    private static readonly Dictionary<string, Lazy<List<BpfFeature>>> Cache = new()
    {
        ["ProgramType"] = new(ProbeProgramTypes),
        ["MapType"] = new(ProbeMapTypes),
        ["AttachKind"] = new(AttachKindProbe.ProbeAll),
        ["Helper"] = new(ProbeHelpers),
        ["Tracer"] = new(ProbeTracers),
    };

    /// <summary>The features of one category (probed on first use, then cached), and how long probing took.</summary>
    public static List<BpfFeature> Get(string category, out TimeSpan probeTime)
    {
        var lazy = Cache[category];
        var clock = Stopwatch.StartNew();
        var result = lazy.Value;
        probeTime = clock.Elapsed;
        return result;
    }

    /// <summary>true/false from the kernel; null when the probe itself could not run (e.g. no permission).</summary>
    public static bool? ProgramTypeSupported(int programType)
    {
        int rc = LibBpfProbeApi.ProbeProgramType(programType, IntPtr.Zero);
        return rc switch
        {
            1 => true,
            0 => false,
            _ => null,
        };
    }

    private static List<BpfFeature> ProbeProgramTypes() =>
        ProbeTypes("ProgramType", LibBpfObjectApi.ProgramTypeString, type => LibBpfProbeApi.ProbeProgramType(type, IntPtr.Zero),
            "a minimal program of this type loads", "the kernel refuses a minimal program of this type",
            errno => $"cannot be probed without an attach target ({ErrnoNames.Name(errno)}); see the AttachKind category");

    private static List<BpfFeature> ProbeMapTypes() =>
        ProbeTypes("MapType", LibBpfObjectApi.MapTypeString, type => LibBpfProbeApi.ProbeMapType(type, IntPtr.Zero),
            "a map of this type can be created", "the kernel refuses to create a map of this type",
            errno => $"could not be probed: {ErrnoNames.Name(errno)}");

    /// <summary>Every type libbpf has a name for, probed in turn (1 supported, 0 not, -errno: the probe failed).</summary>
    private static List<BpfFeature> ProbeTypes(string category, Func<int, IntPtr> nameOf, Func<int, int> probe, string yes, string no, Func<int, string> failed)
    {
        var features = new List<BpfFeature>();
        for (int type = 1; LibBpfObjectApi.Utf8(nameOf(type)) is string name; type++)
        {
            int rc = probe(type);
            features.Add(new BpfFeature
            {
                Category = category,
                Name = name,
                Supported = rc == 1,
                Reason = rc switch
                {
                    1 => yes,
                    0 => no,
                    _ => failed(-rc),
                },
            });
        }
        return features;
    }

    private static List<BpfFeature> ProbeHelpers()
    {
        var features = new List<BpfFeature>();
        for (int id = 1; id < HelperNames.ById.Length; id++)
        {
            if (HelperNames.ById[id] is not string name)
            {
                continue;
            }
            // Our own probe: libbpf 1.1 misreads newer kernels' refusals (see BpfSyscall).
            var allowed = BpfSyscall.HelperAllowed(ProgramTypeTracepoint, id);
            features.Add(new BpfFeature
            {
                Category = "Helper",
                Name = name,
                Supported = allowed == true,
                Reason = allowed switch
                {
                    true => "callable from tracepoint programs",
                    false => "not callable from tracepoint programs on this kernel",
                    null => $"could not be probed: {ErrnoNames.Name(Marshal.GetLastPInvokeError())}",
                },
            });
        }
        return features;
    }

    /// <summary>
    /// A tracer can run when one of its hooks works: the hook's attach kind was tried (AttachKind
    /// category) and, for tracepoints, the event exists in tracefs. The first such hook is the one
    /// the tracer will use. (Loading every tracer would cost more than the 200 ms probe budget.)
    /// </summary>
    private static List<BpfFeature> ProbeTracers()
    {
        var kinds = Get("AttachKind", out _).ToDictionary(k => k.Name, k => k);
        var events = AttachPointNames.TracefsEventsDirectory();
        return TracerCatalog.All.Select(tracer =>
        {
            var reasons = new List<string>();
            foreach (var hook in tracer.Hooks)
            {
                var (kind, target) = SplitHook(hook.Hook);
                if (!kinds.TryGetValue(kind, out var feature) || !feature.Supported)
                {
                    reasons.Add($"{hook.Hook}: {feature?.Reason ?? kind + " not probed"}");
                    continue;
                }
                if (kind == "tracepoint" && events is not null && !TracepointsExist(events, target))
                {
                    reasons.Add($"{hook.Hook}: no such tracepoint in {events}");
                    continue;
                }
                return new BpfFeature { Category = "Tracer", Name = tracer.Cmdlet, Supported = true, Reason = $"runs on {hook.Hook}" };
            }
            return new BpfFeature { Category = "Tracer", Name = tracer.Cmdlet, Supported = false, Reason = "no hook works here: " + string.Join("; ", reasons) };
        }).ToList();
    }

    private static (string Kind, string Target) SplitHook(string hook)
    {
        int colon = hook.IndexOf(':');
        return colon < 0 ? (hook, "") : (hook[..colon], hook[(colon + 1)..]);
    }

    /// <summary>"syscalls:sys_{enter,exit}_{openat,openat2}" → every expanded category/event directory exists.</summary>
    private static bool TracepointsExist(string eventsDirectory, string target)
    {
        IEnumerable<string> names = [target.Replace(':', '/')];
        while (names.FirstOrDefault(n => n.Contains('{')) is not null)
        {
            names = names.SelectMany(n =>
            {
                int open = n.IndexOf('{'), close = n.IndexOf('}', open);
                return open < 0 ? [n] : n[(open + 1)..close].Split(',').Select(option => n[..open] + option + n[(close + 1)..]);
            }).ToList();
        }
        return names.All(n => Directory.Exists(Path.Combine(eventsDirectory, n)));
    }
}
