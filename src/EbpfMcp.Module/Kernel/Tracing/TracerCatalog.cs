using System.Management.Automation;
using System.Reflection;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// The tracers of this module, found by their declaration: every cmdlet class with
/// <see cref="BpfTracerAttribute"/> and its <see cref="BpfHookAttribute"/>s. The cmdlets and
/// Get-BpfFeature (category Tracer) read the same entries.
/// </summary>
internal static class TracerCatalog
{
    public sealed record Tracer(string Cmdlet, string ObjectName, IReadOnlyList<HookChoice.Candidate> Hooks, Type CmdletType);

    public static IReadOnlyList<Tracer> All { get; } = Discover();

    public static Tracer Of(Type cmdletType) =>
        All.FirstOrDefault(t => t.CmdletType == cmdletType) ?? throw new InvalidOperationException($"{cmdletType.Name} has no [BpfTracer] declaration.");

    private static List<Tracer> Discover() =>
        [.. typeof(TracerCatalog).Assembly.GetTypes()
            .Select(type => (Type: type, Tracer: type.GetCustomAttribute<BpfTracerAttribute>(), Cmdlet: type.GetCustomAttribute<CmdletAttribute>()))
            .Where(t => t.Tracer is not null && t.Cmdlet is not null)
            .Select(t => new Tracer(
                $"{t.Cmdlet!.VerbName}-{t.Cmdlet.NounName}",
                t.Tracer!.ObjectName,
                [.. t.Type.GetCustomAttributes<BpfHookAttribute>().OrderBy(h => h.Preference).Select(h => new HookChoice.Candidate(h.Hook, h.Programs))],
                t.Type))
            .OrderBy(t => t.Cmdlet, StringComparer.Ordinal)];
}
